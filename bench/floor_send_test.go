package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// floorSender takes the floor's sealed batches to the broker: the least a
// producer does to send them. Each partition's leader gets its batches in
// Produce requests (version 7: no tagged fields, topics by name) of at most
// one batch per partition and max.request.size (1 MiB) in all, written with
// writev straight from the batches' memory, at most
// max.in.flight.requests.per.connection (5) requests out on each
// connection. One goroutine per connection reads the answers and checks
// every partition's error code; nothing else happens per request: no
// callbacks, no retries, no metadata refresh. Acks follow the row (acks=all
// without idempotence: a producer id changes nothing the broker does per
// byte).
type floorSender struct {
	acks    int16
	topic   string
	leaders []*floorConn // by partition
	conns   []*floorConn
	// free are batch buffers the sender has written out, to be reused.
	free     [][]byte
	failures benchFailures
}

// floorConn is one broker's connection and the request being gathered for
// it.
type floorConn struct {
	conn net.Conn
	// slots holds one token per request out, up to 5.
	slots chan struct{}
	// outstanding counts requests written and not yet answered, so the
	// reader can give back their slots if the connection fails.
	outstanding atomic.Int32
	correlation int32

	// The request being gathered: its batches, their partitions, its
	// size, and inRequest[p] == gathered for a partition p already in it.
	batches   [][]byte
	parts     []int32
	size      int
	inRequest []uint64
	gathered  uint64
	scratch   []byte
	vec       net.Buffers
}

const (
	floorProduceVersion = 7
	floorMaxRequestSize = 1 << 20
	floorMaxInFlight    = 5
	floorRequestTimeout = 30 * time.Second
)

// newFloorSender looks up the leaders of topic's partitions and connects to
// each.
func newFloorSender(brokers []string, topic string, partitions int, acksAll bool) (*floorSender, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), startDeadline)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, fmt.Errorf("floor: metadata: %w", err)
	}
	addrs := make(map[int32]string)
	for _, b := range resp.Brokers {
		addrs[b.NodeID] = net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
	}
	s := &floorSender{acks: 1, topic: topic, leaders: make([]*floorConn, partitions)}
	if acksAll {
		s.acks = -1
	}
	byNode := make(map[int32]*floorConn)
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return nil, fmt.Errorf("floor: metadata of %s: %w", topic, err)
		}
		for _, p := range t.Partitions {
			if p.Partition < 0 || int(p.Partition) >= partitions {
				continue
			}
			c := byNode[p.Leader]
			if c == nil {
				conn, err := net.DialTimeout("tcp", addrs[p.Leader], startDeadline)
				if err != nil {
					s.close()
					return nil, fmt.Errorf("floor: connecting to broker %d: %w", p.Leader, err)
				}
				c = &floorConn{conn: conn, slots: make(chan struct{}, floorMaxInFlight), inRequest: make([]uint64, partitions), gathered: 1}
				byNode[p.Leader] = c
				s.conns = append(s.conns, c)
				go s.readAnswers(c)
			}
			s.leaders[p.Partition] = c
		}
	}
	for p, c := range s.leaders {
		if c == nil {
			s.close()
			return nil, fmt.Errorf("floor: partition %d of %s has no leader", p, topic)
		}
	}
	return s, nil
}

// add gathers a sealed batch of partition p into its leader's request,
// writing that request first when the batch cannot join it.
func (s *floorSender) add(ctx context.Context, p int, batch []byte) error {
	c := s.leaders[p]
	if c.inRequest[p] == c.gathered || c.size+len(batch) > floorMaxRequestSize {
		if err := s.write(ctx, c); err != nil {
			return err
		}
	}
	c.inRequest[p] = c.gathered
	c.batches = append(c.batches, batch)
	c.parts = append(c.parts, int32(p))
	c.size += len(batch) + 8
	return nil
}

// write sends c's gathered request, once a slot is free.
func (s *floorSender) write(ctx context.Context, c *floorConn) error {
	if len(c.batches) == 0 {
		return nil
	}
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	c.correlation++
	b := wire.AppendInt32(c.scratch[:0], 0) // size, set below
	b = wire.AppendRequestHeader(b, wire.APIKeyProduce, floorProduceVersion, c.correlation, "floor")
	b = wire.AppendNullableString(b, nil) // no transactional id
	b = wire.AppendInt16(b, s.acks)
	b = wire.AppendInt32(b, int32(floorRequestTimeout/time.Millisecond))
	b = wire.AppendArrayLen(b, 1) // one topic
	b = wire.AppendString(b, s.topic)
	b = wire.AppendArrayLen(b, len(c.batches))
	prefix := len(b)
	for i, batch := range c.batches {
		b = wire.AppendInt32(b, c.parts[i])
		b = wire.AppendInt32(b, int32(len(batch))) // records: BYTES
	}
	total := len(b)
	for _, batch := range c.batches {
		total += len(batch)
	}
	binary.BigEndian.PutUint32(b, uint32(total-4))
	c.scratch = b
	c.vec = append(c.vec[:0], b[:prefix])
	for i, batch := range c.batches {
		c.vec = append(c.vec, b[prefix+8*i:prefix+8*i+8], batch)
	}
	c.outstanding.Add(1)
	vec := c.vec // WriteTo consumes the slice it is called on
	_, err := vec.WriteTo(c.conn)
	if err != nil {
		c.outstanding.Add(-1)
		<-c.slots
		return fmt.Errorf("floor: writing a request: %w", err)
	}
	s.free = append(s.free, c.batches...)
	clear(c.batches)
	c.batches, c.parts, c.size = c.batches[:0], c.parts[:0], 0
	c.gathered++
	return nil
}

// readAnswers reads c's Produce answers in order, records any partition's
// error, and frees a slot for each. When the connection fails it frees the
// slots of every request still out, so flush ends with the error.
func (s *floorSender) readAnswers(c *floorConn) {
	var size [4]byte
	var frame []byte
	for {
		if _, err := io.ReadFull(c.conn, size[:]); err != nil {
			s.lost(c, err)
			return
		}
		n := int(binary.BigEndian.Uint32(size[:]))
		if cap(frame) < n {
			frame = make([]byte, n)
		}
		frame = frame[:n]
		if _, err := io.ReadFull(c.conn, frame); err != nil {
			s.lost(c, err)
			return
		}
		resp := kmsg.ProduceResponse{Version: floorProduceVersion}
		if len(frame) < 4 {
			s.lost(c, fmt.Errorf("an answer of %d bytes", len(frame)))
			return
		}
		if err := resp.ReadFrom(frame[4:]); err != nil {
			s.lost(c, err)
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
					s.failures.record(fmt.Errorf("floor: partition %d: %w", p.Partition, err))
				}
			}
		}
		c.outstanding.Add(-1)
		<-c.slots
	}
}

// lost ends c: its error is the run's unless the floor closed it.
func (s *floorSender) lost(c *floorConn, err error) {
	if !errors.Is(err, net.ErrClosed) {
		s.failures.record(fmt.Errorf("floor: connection lost: %w", err))
	}
	_ = c.conn.Close() // so that the next write fails too
	for c.outstanding.Load() > 0 {
		c.outstanding.Add(-1)
		<-c.slots
	}
}

// flush writes every gathered request and waits for all answers.
func (s *floorSender) flush(ctx context.Context) error {
	for _, c := range s.conns {
		if err := s.write(ctx, c); err != nil {
			return err
		}
	}
	for _, c := range s.conns {
		for range floorMaxInFlight {
			select {
			case c.slots <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		for range floorMaxInFlight {
			<-c.slots
		}
	}
	return s.failures.take()
}

func (s *floorSender) close() {
	for _, c := range s.conns {
		_ = c.conn.Close()
	}
}

// buffer is a batch buffer of batch.size: one the sender has written out,
// or a new one.
func (s *floorSender) buffer() []byte {
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free = s.free[:n-1]
		return b[:cap(b)]
	}
	return make([]byte, benchBatchSize)
}
