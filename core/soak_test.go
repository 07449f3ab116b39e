package core

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// soakRecords is how many records one round of the soak sends.
const soakRecords = 1_000_000

// TestSoak runs every fault of the fault tests at once, at full speed, for
// as long as PERFPRODUCER_SOAK says (a duration such as 10m), in rounds of
// soakRecords records on a fresh cluster, with Kafka's default settings.
// Each round checks what every fault test checks: nothing lost, duplicated
// or out of order, exactly one callback per record. It is not part of the
// test suite's budget: scripts/soak runs it.
//
// The rounds keep to the default batch.size and linger.ms: with 1 KiB
// batches and no linger, the same fault rates per request break a
// connection every few dozen milliseconds, and the partition whose batches
// the broker also rejects, renumbering them while copies on lost
// connections may still land, waits out request.timeout.ms so often that
// its records reach delivery.timeout.ms (they fail with ErrTimeout; none is
// lost, duplicated or reordered).
func TestSoak(t *testing.T) {
	spec := os.Getenv("PERFPRODUCER_SOAK")
	if spec == "" {
		t.Skip("set PERFPRODUCER_SOAK to a duration (such as 10m) to run the soak; scripts/soak does")
	}
	length, err := time.ParseDuration(spec)
	if err != nil {
		t.Fatalf("PERFPRODUCER_SOAK=%q: %v", spec, err)
	}
	start := time.Now()
	var total struct {
		rounds, records, rejected, retries, splits, restarts int64
		maybeWritten, maybeWrittenFound                      int64
		lost, held, closed, timedOut, outages, shuffles      int64
	}
	for round := 0; time.Since(start) < length; round++ {
		profile := faultProfiles[0]
		records := soakRecords
		t.Run(fmt.Sprintf("round-%d", round), func(t *testing.T) {
			var soak soakFaults
			r := produceThroughFault(t, soak.test(records), profile.edit)
			st := r.p.Stats()
			total.rounds++
			total.records += int64(records)
			total.rejected += int64(r.failed)
			total.maybeWritten += int64(r.maybeWritten)
			total.maybeWrittenFound += int64(r.maybeWrittenFound)
			total.retries += st.Retries
			total.splits += st.BatchSplits
			total.restarts += st.SequenceRestarts
			total.lost += soak.lost.Load()
			total.held += soak.held.Load()
			total.closed += soak.closed.Load()
			total.timedOut += int64(soak.timedOut.Hits())
			total.outages += soak.outages.Load()
			total.shuffles += soak.shuffles.Load()
		})
		if t.Failed() {
			break
		}
	}
	t.Logf("soak: %v, %d rounds, %d records: 0 lost, 0 duplicated, 0 out of order; %d rejected by the broker (INVALID_RECORD, failed as such), "+
		"%d of them after an attempt whose answer was lost (ErrMaybeWritten), of which %d were in fact written",
		time.Since(start).Round(time.Second), total.rounds, total.records, total.rejected, total.maybeWritten, total.maybeWrittenFound)
	t.Logf("faults: %d answers lost after the append, %d answered REQUEST_TIMED_OUT after the append, %d connections closed by the broker, "+
		"%d requests held past request.timeout.ms, %d broker outages, %d leader shuffles; producer: %d retries, %d batch splits, %d sequence restarts",
		total.lost, total.timedOut, total.closed, total.held, total.outages, total.shuffles, total.retries, total.splits, total.restarts)
}

// soakFaults is every fault of the fault tests, mixed, and what each did.
type soakFaults struct {
	listeners               *outageListeners
	lost, outages, shuffles atomic.Int64
	timedOut                *kfake.FaultHandle
	held, closed            *atomic.Int64
}

// soakRejected is the partition whose batches the broker sometimes
// rejects.
const soakRejected = 5

func (s *soakFaults) test(records int) faultTest {
	loseAnswer := sometimes(1)
	return faultTest{
		records: records,
		edit: func(c *Config) {
			c.RequestTimeout = time.Second
			// Warnings only (expiries, failed connects): rare, and what a
			// failed round needs explaining.
			c.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		},
		opts: func() []kfake.Opt {
			s.listeners = &outageListeners{wrap: func(c net.Conn) net.Conn {
				return loseAnswers(c, func() bool {
					if loseAnswer() {
						s.lost.Add(1)
						return true
					}
					return false
				})
			}}
			return []kfake.Opt{kfake.ListenFn(s.listeners.listen)}
		},
		before: func(t *testing.T, c *kfake.Cluster, cfg Config) {
			setTopicConfig(t, c, faultTopic, "max.message.bytes", fmt.Sprint(cfg.BatchSize/2))
			s.timedOut = timeOutAfterAppend(c, 2)
			s.closed = closeConnections(c, 1)
			rejectBatches(c, soakRejected, 2)
		},
		fault: func(t *testing.T, c *kfake.Cluster, env *faultEnv) {
			s.held = holdRequests(c, env, int64(records/20))
			shuffle := time.NewTicker(time.Second)
			defer shuffle.Stop()
			outage := time.NewTicker(7 * time.Second)
			defer outage.Stop()
			for k := 0; ; k++ {
				select {
				case <-env.stop:
					return
				case <-shuffle.C:
					c.ShufflePartitionLeaders()
					s.shuffles.Add(1)
				case <-outage.C:
					l := s.listeners.node(int32(k % faultBrokers))
					mode := outageMode(k % 2)
					l.takeDown(mode)
					s.outages.Add(1)
					select {
					case <-time.After(outageDuration):
					case <-env.stop:
					}
					if err := l.bringUp(); err != nil {
						t.Errorf("listening again at %s: %v", l.addr, err)
					}
				}
			}
		},
		mayFail: rejectedBatch(soakRejected),
	}
}
