package core

import "testing"

// TestSendableKeepsRetriesInTheWindow checks the rules that keep every
// retry inside the broker's five-batch de-duplication window: a partition
// never has more than max.in.flight batches out, and while one of its
// batches waits to retry it sends one batch at a time.
func TestSendableKeepsRetriesInTheWindow(t *testing.T) {
	cases := []struct {
		name        string
		maxInFlight int
		inFlight    int
		retrying    int
		want        bool
	}{
		{"room for more", 5, 4, 0, true},
		{"five out", 5, 5, 0, false},
		{"max.in.flight=1, one out", 1, 1, 0, false},
		{"max.in.flight=1, none out", 1, 0, 0, true},
		{"a retry waits, one out", 5, 1, 1, false},
		{"a retry waits, none out", 5, 0, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.MaxInFlight = tc.maxInFlight
			s := newBareSender(t, cfg)
			s.idem.current = producerSession{id: 7, generation: 1}
			p := newPartition(&topicState{name: "t"}, 0)
			p.inFlight, p.retrying = tc.inFlight, tc.retrying
			front := &batch{part: p, sequence: -1}
			if got := s.sendable(p, front, 0); got != tc.want {
				t.Fatalf("sendable = %v, want %v", got, tc.want)
			}
		})
	}
}
