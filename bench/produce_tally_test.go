package bench

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// produceTally counts what the broker process is sent: Produce requests,
// the record batches in them, their records and bytes. Two clients that
// send the same records can cost the broker very different CPU (its
// broker-cpu-ns/op); the tally says whether their batches and requests
// differ, as the broker sees them rather than as each client reports.
type produceTally struct {
	mu     sync.Mutex
	counts produceCounts
}

// produceCounts is a tally's figures.
type produceCounts struct {
	Requests, Batches, Records, Bytes int64
}

// produceTallyLine prefixes the broker process's tally, printed as its
// standard input closes: requests, batches, records, bytes.
const produceTallyLine = "kfake produce tally "

// watch counts every Produce request c serves; it only observes (the
// control function never handles a request).
func (t *produceTally) watch(c *kfake.Cluster) {
	c.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		req, ok := kreq.(*kmsg.ProduceRequest)
		if !ok {
			return nil, nil, false
		}
		var batches, records, n int64
		for _, topic := range req.Topics {
			for _, p := range topic.Partitions {
				b, r := countBatches(p.Records)
				batches += b
				records += r
				n += int64(len(p.Records))
			}
		}
		t.mu.Lock()
		t.counts.Requests++
		t.counts.Batches += batches
		t.counts.Records += records
		t.counts.Bytes += n
		t.mu.Unlock()
		return nil, nil, false
	})
}

// countBatches walks a partition's records field, RecordBatch v2 headers
// only (baseOffset int64, batchLength int32, ..., recordCount int32 at
// byte 57), and returns how many batches and records it holds.
func countBatches(records []byte) (batches, count int64) {
	const headerLen = 61
	for len(records) >= headerLen {
		length := int64(int32(binary.BigEndian.Uint32(records[8:12])))
		if length < headerLen-12 || 12+length > int64(len(records)) {
			break
		}
		batches++
		count += int64(int32(binary.BigEndian.Uint32(records[57:61])))
		records = records[12+length:]
	}
	return batches, count
}

// String is the tally's line after produceTallyLine.
func (t *produceTally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.counts
	return fmt.Sprintf("%d %d %d %d", c.Requests, c.Batches, c.Records, c.Bytes)
}

// parseProduceCounts reads a tally's line back.
func parseProduceCounts(s string) (c produceCounts, err error) {
	_, err = fmt.Sscan(s, &c.Requests, &c.Batches, &c.Records, &c.Bytes)
	return c, err
}
