package iouring

import (
	"strconv"
	"strings"
)

// Features are the IORING_FEAT_* bits io_uring_setup reports.
type Features uint32

// The feature bits, named after the kernel's.
const (
	FeatSingleMmap     Features = 1 << 0
	FeatNoDrop         Features = 1 << 1
	FeatSubmitStable   Features = 1 << 2
	FeatRWCurPos       Features = 1 << 3
	FeatCurPersonality Features = 1 << 4
	FeatFastPoll       Features = 1 << 5
	FeatPoll32Bits     Features = 1 << 6
	FeatSQPollNonFixed Features = 1 << 7
	FeatExtArg         Features = 1 << 8
	FeatNativeWorkers  Features = 1 << 9
	FeatRsrcTags       Features = 1 << 10
	FeatCQESkip        Features = 1 << 11
	FeatLinkedFile     Features = 1 << 12
	FeatRegRegRing     Features = 1 << 13
	FeatRecvSendBundle Features = 1 << 14
	FeatMinTimeout     Features = 1 << 15
	FeatRWAttr         Features = 1 << 16
	FeatNoIOWait       Features = 1 << 17
)

// requiredFeatures are what this package relies on: NODROP so that no
// completion is ever lost when the completion queue overflows, and
// SUBMIT_STABLE so that what a submission points to at prepare time (the
// ring's own timespecs and socket addresses) is read by the time Submit
// returns. Both came with Linux 5.5.
const requiredFeatures = FeatNoDrop | FeatSubmitStable

var featureNames = [...]string{
	"SINGLE_MMAP", "NODROP", "SUBMIT_STABLE", "RW_CUR_POS", "CUR_PERSONALITY",
	"FAST_POLL", "POLL_32BITS", "SQPOLL_NONFIXED", "EXT_ARG", "NATIVE_WORKERS",
	"RSRC_TAGS", "CQE_SKIP", "LINKED_FILE", "REG_REG_RING", "RECVSEND_BUNDLE",
	"MIN_TIMEOUT", "RW_ATTR", "NO_IOWAIT",
}

// Has reports whether all of want are set.
func (f Features) Has(want Features) bool { return f&want == want }

// String lists the set bits by name, "|"-separated; bits newer than this
// package appear as "bitN".
func (f Features) String() string {
	var names []string
	for bit := range 32 {
		if f&(1<<bit) == 0 {
			continue
		}
		if bit < len(featureNames) {
			names = append(names, featureNames[bit])
		} else {
			names = append(names, "bit"+strconv.Itoa(bit))
		}
	}
	return strings.Join(names, "|")
}
