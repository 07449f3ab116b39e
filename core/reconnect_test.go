package core

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// outageDuration is how long TestFaultBrokerOutage keeps a broker down:
// longer than reconnect.backoff.max.ms, so the backoff grows to its ceiling.
const outageDuration = 1100 * time.Millisecond

// outageMode is how a broker that is down treats connections.
type outageMode int

const (
	// closeOnAccept accepts each connection and closes it at once: the
	// client's connect succeeds and its first request meets a closed
	// socket.
	closeOnAccept outageMode = iota
	// refuse closes the listening socket, so connects are refused, and
	// listens again at the same address when the broker comes back.
	refuse
)

// outageListener is a broker's listener that a test can take down and bring
// back at the same address.
type outageListener struct {
	mu      sync.Mutex
	inner   net.Listener
	addr    string
	down    bool
	mode    outageMode
	upAgain chan struct{} // closed when the broker comes back
	closed  bool
	conns   map[net.Conn]struct{} // open accepted connections
	wrap    func(net.Conn) net.Conn
}

// outageListeners makes kfake listen through outageListeners, one per
// broker in node order.
type outageListeners struct {
	// wrap, when set, wraps each connection a broker accepts.
	wrap func(net.Conn) net.Conn

	mu  sync.Mutex
	all []*outageListener
}

func (ls *outageListeners) listen(network, address string) (net.Listener, error) {
	inner, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	l := &outageListener{inner: inner, addr: inner.Addr().String(), conns: map[net.Conn]struct{}{}, wrap: ls.wrap}
	ls.mu.Lock()
	ls.all = append(ls.all, l)
	ls.mu.Unlock()
	return l, nil
}

func (ls *outageListeners) node(id int32) *outageListener {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.all[id]
}

func (l *outageListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		inner := l.inner
		l.mu.Unlock()
		conn, err := inner.Accept()
		if err != nil {
			l.mu.Lock()
			upAgain, replaced := l.upAgain, l.inner != inner
			if l.closed || upAgain == nil && !replaced {
				l.mu.Unlock()
				return nil, err
			}
			l.mu.Unlock()
			if upAgain != nil {
				<-upAgain // refusing: wait for the listener that replaces it
			}
			continue
		}
		l.mu.Lock()
		if l.down || l.closed {
			l.mu.Unlock()
			conn.Close()
			continue
		}
		if l.wrap != nil {
			conn = l.wrap(conn)
		}
		tc := &trackedConn{Conn: conn, l: l}
		l.conns[tc] = struct{}{}
		l.mu.Unlock()
		return tc, nil
	}
}

// takeDown closes the broker's client connections and stops it taking new
// ones.
func (l *outageListener) takeDown(mode outageMode) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down, l.mode = true, mode
	for c := range l.conns {
		c.(*trackedConn).Conn.Close()
	}
	clear(l.conns)
	if mode == refuse {
		l.upAgain = make(chan struct{})
		l.inner.Close()
	}
}

// bringUp makes the broker take connections again at its address.
func (l *outageListener) bringUp() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = false
	if l.mode != refuse {
		return nil
	}
	inner, err := net.Listen("tcp", l.addr)
	if err != nil {
		return err
	}
	l.inner = inner
	close(l.upAgain)
	l.upAgain = nil
	return nil
}

func (l *outageListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.upAgain != nil {
		close(l.upAgain)
		l.upAgain = nil
	}
	return l.inner.Close()
}

func (l *outageListener) Addr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inner.Addr()
}

// trackedConn forgets itself in its listener when closed.
type trackedConn struct {
	net.Conn
	l *outageListener
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// TestFaultBrokerOutage takes the leader of partition 0, one of three
// brokers, down for about a second in the middle of a run and brings it
// back at the same address: the producer must reconnect to it with its
// reconnect backoff (reconnect.backoff.ms growing to
// reconnect.backoff.max.ms), deliver every record exactly once and in
// order, and flush. Some Kafka-protocol brokers leave a broker that is down
// out of their metadata while its partitions still name it leader; the
// producer must then ask again rather than dial nowhere.
func TestFaultBrokerOutage(t *testing.T) {
	cases := []struct {
		name string
		mode outageMode
		// leftOut drops the broker from metadata's broker list while it
		// is down; its partitions keep it as their leader.
		leftOut bool
	}{
		{"connections closed", closeOnAccept, false},
		{"connections refused", refuse, false},
		{"connections refused, left out of metadata", refuse, true},
		{"connections closed, left out of metadata", closeOnAccept, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var (
				ls              *outageListeners
				victim          int32
				down, over      atomic.Bool
				producedAfter   atomic.Int64
				firstProduce    chan struct{}
				firstProduceOne sync.Once
			)
			runFaultTest(t, faultTest{
				opts: func() []kfake.Opt {
					ls = &outageListeners{}
					return []kfake.Opt{kfake.ListenFn(ls.listen)}
				},
				before: func(t *testing.T, c *kfake.Cluster, _ Config) {
					victim = c.LeaderFor(faultTopic, 0)
					down.Store(false)
					over.Store(false)
					producedAfter.Store(0)
					firstProduce, firstProduceOne = make(chan struct{}), sync.Once{}
					c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
						c.KeepControl()
						if c.CurrentNode() == victim {
							firstProduceOne.Do(func() { close(firstProduce) })
							if over.Load() {
								producedAfter.Add(1)
							}
						}
						return nil, nil, false
					})
					if tc.leftOut {
						full := topicMetadata(t, c, faultTopic)
						c.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
							c.KeepControl()
							if !down.Load() {
								return nil, nil, false
							}
							return withoutBroker(req.(*kmsg.MetadataRequest), full, victim), nil, true
						})
					}
				},
				pauses: []int{faultRecords / 2},
				fault: func(t *testing.T, c *kfake.Cluster, env *faultEnv) {
					select {
					case <-firstProduce:
					case <-env.stop:
						t.Errorf("broker %d got no Produce request before the run ended", victim)
						return
					}
					l := ls.node(victim)
					down.Store(true)
					l.takeDown(tc.mode)
					env.strike()
					select {
					case <-time.After(outageDuration):
					case <-env.stop:
					}
					over.Store(true)
					if err := l.bringUp(); err != nil {
						t.Errorf("listening again at %s: %v", l.addr, err)
					}
					down.Store(false)
				},
				check: func(t *testing.T, r *faultRun) {
					if producedAfter.Load() == 0 {
						t.Fatalf("broker %d got no Produce request after its outage", victim)
					}
				},
			})
		})
	}
}

// topicMetadata is the cluster's Metadata answer for topic, asked by an
// independent client.
func topicMetadata(t *testing.T, c *kfake.Cluster, topic string) *kmsg.MetadataResponse {
	t.Helper()
	cl := kafkatest.NewClient(t, c)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("metadata of %q: %v", topic, err)
	}
	return resp
}

// withoutBroker answers req from full with node left out of the brokers;
// the partitions it leads still name it.
func withoutBroker(req *kmsg.MetadataRequest, full *kmsg.MetadataResponse, node int32) *kmsg.MetadataResponse {
	resp := req.ResponseKind().(*kmsg.MetadataResponse)
	resp.ClusterID, resp.ControllerID = full.ClusterID, full.ControllerID
	for _, b := range full.Brokers {
		if b.NodeID != node {
			resp.Brokers = append(resp.Brokers, b)
		}
	}
	for _, ft := range full.Topics {
		for _, rt := range req.Topics {
			if rt.Topic != nil && ft.Topic != nil && *rt.Topic == *ft.Topic {
				resp.Topics = append(resp.Topics, ft)
			}
		}
	}
	return resp
}

// TestBackoffStaysWithinItsBounds checks the pauses of
// reconnect.backoff.ms=50 ms growing to reconnect.backoff.max.ms=1 s (and a
// base above its ceiling): each within ±20% of base·2^(attempts-1), and
// never past the ceiling the settings promise as the longest pause.
func TestBackoffStaysWithinItsBounds(t *testing.T) {
	const samples = 200
	cases := []struct {
		base, ceiling time.Duration
		attempts      int
		least, most   time.Duration
	}{
		{50 * time.Millisecond, time.Second, 1, 40 * time.Millisecond, 60 * time.Millisecond},
		{50 * time.Millisecond, time.Second, 2, 80 * time.Millisecond, 120 * time.Millisecond},
		{50 * time.Millisecond, time.Second, 5, 640 * time.Millisecond, 960 * time.Millisecond},
		{50 * time.Millisecond, time.Second, 6, 800 * time.Millisecond, time.Second},
		{50 * time.Millisecond, time.Second, 1000, 800 * time.Millisecond, time.Second},
		{2 * time.Second, time.Second, 1, time.Second, time.Second},
	}
	for _, tc := range cases {
		for range samples {
			if got := backoff(tc.base, tc.ceiling, tc.attempts); got < tc.least || got > tc.most {
				t.Fatalf("backoff(%v, %v, %d) = %v, want %v to %v", tc.base, tc.ceiling, tc.attempts, got, tc.least, tc.most)
			}
		}
	}
}

// TestConnectFailingAtOnceAsksForMetadata checks that a broker whose address
// fails before any socket opens is backed off and looked up again, as one
// whose connect fails later is.
func TestConnectFailingAtOnceAsksForMetadata(t *testing.T) {
	s := newBareSender(t, DefaultConfig())
	c := s.conn(1, "no-port-here")
	const now = int64(time.Hour)
	if s.ready(c, now) {
		t.Fatal("a connection that could not start reports ready")
	}
	if c.state != connDown || c.failures != 1 || c.reconnectAtNanos <= now {
		t.Fatalf("state %d, %d failures, reconnect at %v: want down, 1 failure, a reconnect after now", c.state, c.failures, time.Duration(c.reconnectAtNanos-now))
	}
	if !s.meta.refresh.Load() {
		t.Fatal("no metadata refresh asked for after the connect failed")
	}
}

// TestBusyBrokersAreWaitedFor checks that when every known broker is up but
// has max.in.flight.requests.per.connection out, a request for any broker
// (Metadata, InitProducerId) waits for one rather than open a bootstrap
// connection the next metadata update would close again.
func TestBusyBrokersAreWaitedFor(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BootstrapServers = []string{"127.0.0.1:1"}
	s := newBareSender(t, cfg)
	s.meta.publish(&clusterSnapshot{nodes: map[int32]string{0: "127.0.0.1:2", 1: "127.0.0.1:3"}})
	for id := range int32(2) {
		c := s.conn(id, "")
		c.state = connReady
		for range cfg.MaxInFlight {
			c.inFlight = append(c.inFlight, &request{})
		}
	}
	if c := s.anyReady(int64(time.Hour)); c != nil {
		t.Fatalf("broker %d chosen with %d requests in flight", c.node, len(c.inFlight))
	}
	for id, c := range s.conns {
		if id < 0 {
			t.Fatalf("a bootstrap connection to %s was opened while the known brokers were up", c.addr)
		}
	}
}
