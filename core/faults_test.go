package core

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The fault tests send faultRecords records into a cluster of faultBrokers
// brokers and faultPartitions partitions with idempotence on, while a fault
// disturbs the cluster, then read everything back with an independent client
// and check every record (see produceThroughFault).
const (
	faultTopic      = "faults"
	faultRecords    = 100_000
	faultBrokers    = 3
	faultPartitions = 12
	// faultRetryBudget is what a record may spend in retry backoffs on top
	// of linger.ms and one request.timeout.ms: the fault tests set
	// delivery.timeout.ms to that sum, so a record that stalls longer fails
	// with ErrTimeout and fails the test.
	faultRetryBudget = 20 * time.Second
)

// faultProfiles are the settings every fault test runs with: Kafka's
// defaults (linger.ms=5, retry.backoff.ms=100, batch.size=16384), as users
// run the producer, and settings that put the most batches in flight (no
// linger, small batches), where ordering and de-duplication bugs show,
// without and with compression.
var faultProfiles = []struct {
	name string
	edit func(*Config)
}{
	{"defaults", func(*Config) {}},
	{"linger0-batch1024", func(c *Config) { c.Linger, c.BatchSize = 0, 1024 }},
	// Compressed batches go through the compression pool, which must hold
	// a batch back (unsent, unexpired, unfailed) until it is compressed,
	// whatever the broker does meanwhile.
	{"zstd-linger0-batch1024", func(c *Config) { c.Linger, c.BatchSize, c.Compression = 0, 1024, CompressionZstd }},
}

// faultTest is one fault scenario.
type faultTest struct {
	// records is how many records the run sends; zero means faultRecords.
	records int
	// opts returns extra cluster options, afresh for each run.
	opts func() []kfake.Opt
	// before prepares the cluster before a producer with settings cfg
	// starts.
	before func(t *testing.T, c *kfake.Cluster, cfg Config)
	// edit changes the producer's settings for the scenario.
	edit func(*Config)
	// fault installs the fault on the cluster; it runs in its own
	// goroutine and may keep disturbing the cluster until env.stop closes.
	fault func(t *testing.T, c *kfake.Cluster, env *faultEnv)
	// pauses are the record indexes before which the send loop waits for
	// the fault to strike again (env.strike), so faults that come from
	// outside the broker land mid-run however fast the producer goes.
	pauses []int
	// mayFail reports whether a record may fail with err: nil means no
	// record may fail.
	mayFail func(md RecordMetadata, err error) bool
	// check asserts what must hold after the run (that the fault bit).
	check func(t *testing.T, r *faultRun)
}

// faultCheckpoints is how many times a fault test with evenPauses stops
// sending until the fault has struck again.
const faultCheckpoints = 10

// evenPauses spreads faultCheckpoints pauses over the run, the first at
// record 0.
func evenPauses() []int {
	var at []int
	for k := range faultCheckpoints {
		at = append(at, k*faultRecords/faultCheckpoints)
	}
	return at
}

// faultEnv is what a fault sees of the run.
type faultEnv struct {
	stop    <-chan struct{}
	sent    atomic.Int64 // records sent so far
	strikes atomic.Int64
	next    chan struct{}
}

// strike counts a disturbance and lets a send loop waiting at a pause go on.
func (e *faultEnv) strike() {
	e.strikes.Add(1)
	select {
	case e.next <- struct{}{}:
	default:
	}
}

// waitSent waits until n records have been sent or the run stops; it
// reports false when the run stopped first.
func (e *faultEnv) waitSent(n int64) bool {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for e.sent.Load() < n {
		select {
		case <-e.stop:
			return false
		case <-tick.C:
		}
	}
	return true
}

// faultRun is what a fault test's check sees.
type faultRun struct {
	c      *kfake.Cluster
	p      *Producer
	env    *faultEnv
	sent   []sentRecord
	failed int
	// maybeWritten counts failed records whose error matched
	// ErrMaybeWritten, and maybeWrittenFound those of them read back.
	maybeWritten, maybeWrittenFound int
}

// runFaultTest runs ft once per profile of faultProfiles.
func runFaultTest(t *testing.T, ft faultTest) {
	for _, prof := range faultProfiles {
		t.Run(prof.name, func(t *testing.T) {
			r := produceThroughFault(t, ft, prof.edit)
			if ft.check != nil {
				ft.check(t, r)
			}
			t.Logf("%d records failed (as the fault allows), %d strikes; %+v", r.failed, r.env.strikes.Load(), r.p.Stats())
		})
	}
}

// produceThroughFault sends ft.records records (keyed and not, with and
// without headers, explicit timestamps) while ft's fault disturbs the
// cluster, then checks: every callback ran exactly once; only the records
// ft.mayFail allows failed; reading back with franz-go finds every
// acknowledged record once, at its callback's partition and offset, with its
// bytes, key, headers and timestamp, keyed records in murmur2's partition,
// and each partition in Send order; no failed record is there, unless its
// error matches ErrMaybeWritten (then at most once, in order).
func produceThroughFault(t *testing.T, ft faultTest, profile func(*Config)) *faultRun {
	t.Helper()
	const topic = faultTopic
	var opts []kfake.Opt
	if ft.opts != nil {
		opts = ft.opts()
	}
	c := kafkatest.NewCluster(t, faultBrokers, topic, faultPartitions, opts...)
	env := &faultEnv{next: make(chan struct{}, 1)}
	stop := make(chan struct{})
	env.stop = stop
	settings := func(cfg *Config) {
		profile(cfg)
		if ft.edit != nil {
			ft.edit(cfg)
		}
		cfg.DeliveryTimeout = cfg.Linger + cfg.RequestTimeout + faultRetryBudget
	}
	if ft.before != nil {
		cfg := DefaultConfig()
		settings(&cfg)
		ft.before(t, c, cfg)
	}
	p := newTestProducer(t, c, settings)
	faultDone := make(chan struct{})
	go func() {
		defer close(faultDone)
		ft.fault(t, c, env)
	}()
	stopped := false
	stopFault := func() {
		if !stopped {
			stopped = true
			close(stop)
			<-faultDone
		}
	}
	defer stopFault()

	records := cmp.Or(ft.records, faultRecords)
	sent := make([]sentRecord, records)
	calls := make([]atomic.Int32, records)
	cb := func(md RecordMetadata, err error) {
		calls[md.Opaque].Add(1)
		sent[md.Opaque].md, sent[md.Opaque].err = md, err
	}
	mk := mixedRecord(topic, 100)
	// The deadline only catches a stall; a long run gets a longer one.
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline*time.Duration(max(1, records/faultRecords)))
	defer cancel()
	pauses := ft.pauses
	for i := range records {
		if len(pauses) > 0 && pauses[0] == i {
			pauses = pauses[1:]
			select {
			case <-env.next:
			case <-ctx.Done():
				t.Fatalf("the fault did not strike again within %v", testDeadline)
			}
		}
		r := mk(i)
		r.Opaque = uint64(i)
		sent[i].rec = r
		if err := p.Send(ctx, &r, cb); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
		env.sent.Add(1)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v (%d records still pending)", err, p.Stats().RecordsPending)
	}
	stopFault()

	run := &faultRun{c: c, p: p, env: env, sent: sent}
	for i := range sent {
		if n := calls[i].Load(); n != 1 {
			t.Fatalf("record %d: callback ran %d times, want once", i, n)
		}
		if err := sent[i].err; err != nil {
			if ft.mayFail == nil || !ft.mayFail(sent[i].md, err) {
				t.Fatalf("record %d (partition %d) failed: %v", i, sent[i].md.Partition, err)
			}
			run.failed++
			if errors.Is(err, ErrMaybeWritten) {
				run.maybeWritten++
			}
		}
	}
	least, most := readBackBounds(sent)
	t.Logf("the producer before the read-back: %+v", p.Stats())
	got := kafkatest.ConsumeBetween(t, c, topic, least, most)
	verifyReadBack(t, sent, got, faultPartitions, true)
	run.maybeWrittenFound = len(got) - least
	return run
}

// sometimes returns a function, safe for concurrent use, that reports true
// for about percent of its calls, from a fixed seed.
func sometimes(percent int) func() bool {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		return rng.IntN(100) < percent
	}
}

// every runs fn every d until stop closes.
func every(d time.Duration, stop <-chan struct{}, fn func()) {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			fn()
		}
	}
}

// countRequests counts requests of key without handling them.
func countRequests(c *kfake.Cluster, key kmsg.Key) *atomic.Int64 {
	var n atomic.Int64
	c.ControlKey(int16(key), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		n.Add(1)
		return nil, nil, false
	})
	return &n
}

// TestFaultTimedOutAfterAppend: the broker appends a batch, then answers
// REQUEST_TIMED_OUT, for about 5% of Produce requests. Every retry of such a
// batch must be recognised as a duplicate.
func TestFaultTimedOutAfterAppend(t *testing.T) {
	var fault *kfake.FaultHandle
	runFaultTest(t, faultTest{
		before: func(_ *testing.T, c *kfake.Cluster, _ Config) { fault = timeOutAfterAppend(c, 5) },
		fault:  func(*testing.T, *kfake.Cluster, *faultEnv) {},
		check: func(t *testing.T, r *faultRun) {
			st := r.p.Stats()
			if fault.Hits() == 0 || st.Retries == 0 {
				t.Fatalf("the fault never bit: %d requests answered REQUEST_TIMED_OUT, %d retries", fault.Hits(), st.Retries)
			}
			if st.SequenceRestarts != 0 {
				t.Fatalf("%d partitions restarted their sequences; a timed-out append needs none", st.SequenceRestarts)
			}
		},
	})
}

// timeOutAfterAppend makes the broker append, then answer
// REQUEST_TIMED_OUT, for about percent% of Produce requests.
func timeOutAfterAppend(c *kfake.Cluster, percent int) *kfake.FaultHandle {
	hit := sometimes(percent)
	return c.Fault(kfake.Fault{
		Keys: []kmsg.Key{kmsg.Produce}, Err: kerr.RequestTimedOut, Count: -1,
		When: func(kmsg.Request) bool { return hit() },
	})
}

// TestFaultRetriableProduceErrors: about 5% of Produce requests are answered
// with retriable errors, nothing written.
func TestFaultRetriableProduceErrors(t *testing.T) {
	retriable := []int16{6 /* NOT_LEADER_OR_FOLLOWER */, 7 /* REQUEST_TIMED_OUT */, 19 /* NOT_ENOUGH_REPLICAS */, 5 /* LEADER_NOT_AVAILABLE */}
	var injected atomic.Int64
	runFaultTest(t, faultTest{
		fault: func(t *testing.T, c *kfake.Cluster, env *faultEnv) {
			hit, pick := sometimes(5), rand.New(rand.NewPCG(3, 4))
			var mu sync.Mutex
			c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				if !hit() {
					return nil, nil, false
				}
				mu.Lock()
				code := retriable[pick.IntN(len(retriable))]
				mu.Unlock()
				injected.Add(1)
				return produceErrorResponse(req, code), nil, true
			})
		},
		check: func(t *testing.T, r *faultRun) {
			if injected.Load() == 0 || r.p.Stats().Retries == 0 {
				t.Fatalf("the fault never bit: %d errors injected, %d retries", injected.Load(), r.p.Stats().Retries)
			}
		},
	})
}

// TestFaultConnectionClosed: about 2% of Produce requests make the broker
// close the connection, losing the requests pipelined behind them on it.
func TestFaultConnectionClosed(t *testing.T) {
	var closed *atomic.Int64
	runFaultTest(t, faultTest{
		before: func(_ *testing.T, c *kfake.Cluster, _ Config) { closed = closeConnections(c, 2) },
		fault:  func(*testing.T, *kfake.Cluster, *faultEnv) {},
		check: func(t *testing.T, r *faultRun) {
			if closed.Load() == 0 || r.p.Stats().Retries == 0 {
				t.Fatalf("the fault never bit: %d connections closed, %d retries", closed.Load(), r.p.Stats().Retries)
			}
		},
	})
}

// closeConnections makes the broker close the connection of about percent%
// of Produce requests instead of handling them, and counts them.
func closeConnections(c *kfake.Cluster, percent int) *atomic.Int64 {
	var closed atomic.Int64
	hit := sometimes(percent)
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if !hit() {
			return nil, nil, false
		}
		closed.Add(1)
		return nil, errors.New("fault: closing the connection"), true
	})
	return &closed
}

// TestFaultSlowBroker: the broker holds a Produce request past the
// producer's request.timeout.ms (1 s), then appends it; one request at a
// time, about ten times over the run. The producer gives up on the
// request, retries its batches, and must not write them twice.
func TestFaultSlowBroker(t *testing.T) {
	var held *atomic.Int64
	runFaultTest(t, faultTest{
		edit:  func(c *Config) { c.RequestTimeout = time.Second },
		fault: func(_ *testing.T, c *kfake.Cluster, env *faultEnv) { held = holdRequests(c, env, faultRecords/10) },
		check: func(t *testing.T, r *faultRun) {
			if held.Load() == 0 || r.p.Stats().Retries == 0 {
				t.Fatalf("the fault never bit: %d requests held, %d retries", held.Load(), r.p.Stats().Retries)
			}
		},
	})
}

// holdRequests makes the broker hold a Produce request for 1.2 s, then
// handle it, once every `every` records sent, one request at a time, and
// counts the requests held.
func holdRequests(c *kfake.Cluster, env *faultEnv, every int64) *atomic.Int64 {
	var held atomic.Int64
	var holding atomic.Bool
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if env.sent.Load() >= held.Load()*every && holding.CompareAndSwap(false, true) {
			held.Add(1)
			c.SleepControl(func() {
				select {
				case <-time.After(1200 * time.Millisecond):
				case <-env.stop:
				}
			})
			holding.Store(false)
		}
		return nil, nil, false
	})
	return &held
}

// TestFaultBrokerRemoved: one broker leaves the cluster for good a third of
// the way through; its partitions move to the others.
func TestFaultBrokerRemoved(t *testing.T) {
	runFaultTest(t, faultTest{
		pauses: evenPauses(),
		fault: func(t *testing.T, c *kfake.Cluster, env *faultEnv) {
			env.strike() // the first checkpoint, at record 0
			for k := int64(1); k < faultCheckpoints; k++ {
				if !env.waitSent(k * faultRecords / faultCheckpoints) {
					return
				}
				if k == faultCheckpoints/3 {
					if err := c.RemoveNode(1); err != nil {
						t.Errorf("RemoveNode(1): %v", err)
					}
				}
				env.strike()
			}
		},
	})
}

// TestFaultLeadersShuffled: every partition's leader moves every 100 ms.
func TestFaultLeadersShuffled(t *testing.T) {
	runFaultTest(t, faultTest{
		pauses: evenPauses(),
		fault: func(t *testing.T, c *kfake.Cluster, env *faultEnv) {
			env.strike()
			every(100*time.Millisecond, env.stop, func() {
				c.ShufflePartitionLeaders()
				env.strike()
			})
		},
	})
}

// TestFaultBrokerRemovedAndAdded: a broker leaves and comes back at once,
// every 150 ms, round robin.
func TestFaultBrokerRemovedAndAdded(t *testing.T) {
	runFaultTest(t, faultTest{
		pauses: evenPauses(),
		fault: func(t *testing.T, c *kfake.Cluster, env *faultEnv) {
			env.strike()
			every(150*time.Millisecond, env.stop, func() {
				node := int32(env.strikes.Load() % faultBrokers)
				if err := c.RemoveNode(node); err != nil {
					t.Errorf("RemoveNode(%d): %v", node, err)
					return
				}
				if _, _, err := c.AddNode(node, 0); err != nil {
					t.Errorf("AddNode(%d): %v", node, err)
					return
				}
				env.strike()
			})
		},
	})
}

// TestFaultPartitionRejects: the broker rejects about 20% of the batches of
// one partition with a non-retriable error (INVALID_RECORD), writing
// nothing. Those records fail; the partition's later batches take over
// their sequence numbers; every other partition flows on, keeps its
// producer id and sequences, and loses nothing.
func TestFaultPartitionRejects(t *testing.T) {
	const rejected = 3
	var inits *atomic.Int64
	var fault *kfake.FaultHandle
	runFaultTest(t, faultTest{
		before: func(_ *testing.T, c *kfake.Cluster, _ Config) {
			inits = countRequests(c, kmsg.InitProducerID)
			fault = rejectBatches(c, rejected, 20)
		},
		fault:   func(*testing.T, *kfake.Cluster, *faultEnv) {},
		mayFail: rejectedBatch(rejected),
		check: func(t *testing.T, r *faultRun) {
			st := r.p.Stats()
			if fault.Hits() == 0 || r.failed == 0 {
				t.Fatalf("the fault never bit: %d rejections, %d records failed", fault.Hits(), r.failed)
			}
			if st.SequenceRestarts != 0 || inits.Load() != 1 {
				t.Fatalf("%d sequence restarts and %d InitProducerId requests: a rejected batch needs neither", st.SequenceRestarts, inits.Load())
			}
		},
	})
}

// rejectBatches makes the broker reject about percent% of the batches of
// one partition with INVALID_RECORD, writing nothing.
func rejectBatches(c *kfake.Cluster, partition int32, percent int) *kfake.FaultHandle {
	hit := sometimes(percent)
	return c.Fault(kfake.Fault{
		Keys: []kmsg.Key{kmsg.Produce}, Partitions: []int32{partition}, Err: kerr.InvalidRecord, Count: -1,
		When: func(kmsg.Request) bool { return hit() },
	})
}

// rejectedBatch allows the failures rejectBatches causes.
func rejectedBatch(partition int32) func(RecordMetadata, error) bool {
	return func(md RecordMetadata, err error) bool {
		return md.Partition == partition && errors.Is(err, wire.ErrInvalidRecord)
	}
}

// TestFaultMessageTooLarge: the topic's max.message.bytes is a quarter of
// batch.size, so the broker refuses full batches (MESSAGE_TOO_LARGE). The
// producer splits them until they fit, and every record arrives.
func TestFaultMessageTooLarge(t *testing.T) {
	runFaultTest(t, faultTest{
		before: func(t *testing.T, c *kfake.Cluster, cfg Config) {
			setTopicConfig(t, c, faultTopic, "max.message.bytes", strconv.Itoa(cfg.BatchSize/4))
		},
		fault: func(*testing.T, *kfake.Cluster, *faultEnv) {},
		check: func(t *testing.T, r *faultRun) {
			st := r.p.Stats()
			if st.BatchSplits == 0 {
				t.Fatal("no batch was split, so the topic's limit never bit")
			}
			// The producer learns the limit: only batches built before it
			// did (at most a few per partition) are refused.
			if st.BatchSplits > 50*faultPartitions {
				t.Fatalf("%d batches split out of %d sent: the producer kept building batches the topic refuses", st.BatchSplits, st.BatchesSent)
			}
		},
	})
}

// TestFaultAnswerLost: the broker appends a batch, then the connection
// breaks before its answer goes out (about 2% of Produce answers), losing
// the requests pipelined behind it too. The producer cannot know the batch
// was written; its retry must be recognised as a duplicate.
func TestFaultAnswerLost(t *testing.T) {
	var lost atomic.Int64
	hit := sometimes(2)
	runFaultTest(t, faultTest{
		opts: func() []kfake.Opt {
			ls := &outageListeners{wrap: func(c net.Conn) net.Conn {
				return loseAnswers(c, func() bool {
					if hit() {
						lost.Add(1)
						return true
					}
					return false
				})
			}}
			return []kfake.Opt{kfake.ListenFn(ls.listen)}
		},
		fault: func(*testing.T, *kfake.Cluster, *faultEnv) {},
		check: func(t *testing.T, r *faultRun) {
			if lost.Load() == 0 || r.p.Stats().Retries == 0 {
				t.Fatalf("the fault never bit: %d answers lost, %d retries", lost.Load(), r.p.Stats().Retries)
			}
		},
	})
}

// loseAnswers wraps a broker's connection so that, when lose says so, it
// breaks instead of sending a Produce answer: the broker has done the work,
// the client never hears of it.
func loseAnswers(c net.Conn, lose func() bool) net.Conn {
	return &answerLosingConn{Conn: c, lose: lose, keys: map[int32]int16{}}
}

// answerLosingConn tells Produce answers apart by their correlation ids,
// read from the requests that come in.
type answerLosingConn struct {
	net.Conn
	lose func() bool

	mu   sync.Mutex
	keys map[int32]int16 // correlation id → API key of requests not yet answered
	// The request being read: its first 12 bytes (size, key, version,
	// correlation id), then how many of its bytes remain to skip.
	head [12]byte
	have int
	skip int
}

func (c *answerLosingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	for in := p[:n]; len(in) > 0; {
		if c.skip > 0 {
			k := min(c.skip, len(in))
			c.skip -= k
			in = in[k:]
			continue
		}
		k := copy(c.head[c.have:], in)
		c.have += k
		in = in[k:]
		if c.have == len(c.head) {
			size := int(binary.BigEndian.Uint32(c.head[0:4]))
			c.keys[int32(binary.BigEndian.Uint32(c.head[8:12]))] = int16(binary.BigEndian.Uint16(c.head[4:6]))
			c.have, c.skip = 0, size-8
		}
	}
	return n, err
}

func (c *answerLosingConn) Write(p []byte) (int, error) {
	if len(p) >= 8 {
		corr := int32(binary.BigEndian.Uint32(p[4:8]))
		c.mu.Lock()
		key := c.keys[corr]
		delete(c.keys, corr)
		c.mu.Unlock()
		if key == int16(kmsg.Produce) && c.lose() {
			c.Conn.Close()
			return 0, net.ErrClosed
		}
	}
	return c.Conn.Write(p)
}
