package wire

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestSupportedMatchesSpecs keeps the exported view and the table in step.
func TestSupportedMatchesSpecs(t *testing.T) {
	implemented := 0
	for i, s := range apiSpecs {
		k := APIKey(i)
		r, ok := Supported(k)
		if s.name == "" {
			if ok || k.String() != fmt.Sprintf("ApiKey(%d)", i) {
				t.Errorf("key %d is not implemented, yet Supported says %+v %v and String %q", i, r, ok, k)
			}
			continue
		}
		implemented++
		if !ok || r != s.versions || r.Min > r.Max || k.String() != s.name {
			t.Errorf("%v: %+v %v", k, r, ok)
		}
	}
	if implemented != 6 {
		t.Fatalf("%d APIs, want 6", implemented)
	}
	if _, ok := Supported(maxAPIKey + 1); ok {
		t.Error("a key past the table reported as supported")
	}
}

// TestFlexibleVersionsMatchKmsg checks each API's first flexible version
// against kmsg, which franz-go generates from Kafka's message definitions:
// requests and responses agree with IsFlexible at every version this
// package implements and one past either end.
func TestFlexibleVersionsMatchKmsg(t *testing.T) {
	for i, s := range apiSpecs {
		if s.name == "" {
			continue
		}
		key := APIKey(i)
		for v := max(s.versions.Min-1, 0); v <= s.versions.Max+1; v++ {
			req, resp := kmsg.RequestForKey(int16(key)), kmsg.ResponseForKey(int16(key))
			req.SetVersion(v)
			resp.SetVersion(v)
			if got := IsFlexible(key, v); got != req.IsFlexible() || got != resp.IsFlexible() {
				t.Errorf("%v v%d: flexible %v; kmsg says request %v, response %v", key, v, got, req.IsFlexible(), resp.IsFlexible())
			}
		}
	}
	for _, key := range []APIKey{-1, 1, maxAPIKey + 1} {
		if IsFlexible(key, 20) {
			t.Errorf("%v, which this package does not implement, reported flexible", key)
		}
	}
}
