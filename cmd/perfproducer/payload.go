package main

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"strconv"
)

// payloads makes each record's value and key. Values come from a pool made
// up front, so producing a record costs no generation time and the producer,
// not this tool, is what is measured. Pooled values are random uppercase
// letters, as the Java tool's are, so compression sees realistic entropy.
type payloads struct {
	pool      [][]byte
	rng       *rand.Rand
	seq       bool
	monotonic bool
	value     []byte // scratch for --payload-seq and --payload-monotonic
	key       []byte // scratch for --key-size
}

// poolBytes bounds the memory the value pool takes.
const poolBytes = 64 << 20

func newPayloads(o *options) (*payloads, error) {
	p := &payloads{rng: rand.New(rand.NewPCG(0, 1)), seq: o.payloadSeq, monotonic: o.payloadMonotonic}
	if o.keySize > 0 {
		p.key = make([]byte, o.keySize)
	}
	switch {
	case o.payloadFile != "":
		data, err := os.ReadFile(o.payloadFile)
		if err != nil {
			return nil, usagef("--payload-file cannot be read: %v", err)
		}
		for _, entry := range bytes.Split(data, []byte(o.payloadDelimiter)) {
			if len(entry) > maxValueSize {
				return nil, usagef("--payload-file %s holds a payload of %d bytes, more than the %d a value may have", o.payloadFile, len(entry), maxValueSize)
			}
			if len(entry) > 0 {
				p.pool = append(p.pool, entry)
			}
		}
		if len(p.pool) == 0 {
			return nil, usagef("--payload-file %s holds no payloads", o.payloadFile)
		}
	case o.payloadMonotonic:
	default:
		n := max(1, min(1024, poolBytes/o.recordSize))
		for range n {
			v := make([]byte, o.recordSize)
			for j := range v {
				v[j] = byte('A' + p.rng.IntN(26))
			}
			p.pool = append(p.pool, v)
		}
		if p.seq {
			p.value = make([]byte, o.recordSize)
		}
	}
	return p, nil
}

// fork returns payloads for sender number g of several: the same pool,
// scratch and a random source of its own. Sender 0 gets p itself.
func (p *payloads) fork(g int64) *payloads {
	if g == 0 {
		return p
	}
	f := *p
	f.rng = rand.New(rand.NewPCG(uint64(g), 1))
	if p.value != nil {
		f.value = make([]byte, len(p.value))
	}
	if p.key != nil {
		f.key = make([]byte, len(p.key))
	}
	return &f
}

// next returns record i's value and key (nil without --key-size). They are
// valid until the next call: the producer copies them during Send.
func (p *payloads) next(i int64) (value, key []byte) {
	switch {
	case p.monotonic:
		p.value = strconv.AppendInt(p.value[:0], i, 10)
		value = p.value
	case p.seq:
		copy(p.value, p.pool[i%int64(len(p.pool))])
		binary.BigEndian.PutUint64(p.value, uint64(i))
		value = p.value
	default:
		value = p.pool[p.rng.IntN(len(p.pool))]
	}
	if p.key != nil {
		for j := 0; j < len(p.key); j += 8 {
			var w [8]byte
			binary.LittleEndian.PutUint64(w[:], p.rng.Uint64())
			copy(p.key[j:], w[:])
		}
		key = p.key
	}
	return value, key
}
