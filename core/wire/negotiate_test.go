package wire

import (
	"errors"
	"testing"
)

func TestNegotiate(t *testing.T) {
	broker := []APIVersionsKey{
		{APIKeyProduce, VersionRange{0, 11}},
		{APIKeyMetadata, VersionRange{0, 20}},
		{APIKeyAPIVersions, VersionRange{0, 3}},
		{APIKeyInitProducerID, VersionRange{0, 1}},
		{APIKey(1), VersionRange{0, 17}}, // Fetch: not ours, ignored
	}
	got, err := Negotiate(broker, APIKeyProduce, APIKeyMetadata)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  APIKey
		want int16
		ok   bool
	}{
		{APIKeyProduce, 11, true},
		{APIKeyMetadata, 13, true},
		{APIKeyAPIVersions, 3, true},
		{APIKeyInitProducerID, 1, true},
		{APIKey(17), 0, false}, // SaslHandshake: not ours
		{APIKey(1), 0, false},
		{APIKey(-3), 0, false},
		{APIKey(400), 0, false},
	} {
		if v, ok := got.Version(c.key); v != c.want || ok != c.ok {
			t.Errorf("%v: version %d, %v; want %d, %v", c.key, v, ok, c.want, c.ok)
		}
	}
}

func TestNegotiateNoCommonVersion(t *testing.T) {
	cases := map[string]struct {
		broker      []APIVersionsKey
		brokerLists bool
	}{
		"too old":       {[]APIVersionsKey{{APIKeyProduce, VersionRange{0, 2}}}, true},
		"too new":       {[]APIVersionsKey{{APIKeyProduce, VersionRange{14, 20}}}, true},
		"not supported": {[]APIVersionsKey{{APIKeyMetadata, VersionRange{0, 12}}}, false},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Negotiate(c.broker, APIKeyProduce)
			var mismatch *VersionMismatchError
			if !errors.Is(err, ErrNoCommonVersion) || !errors.As(err, &mismatch) {
				t.Fatalf("err = %v, want a *VersionMismatchError wrapping ErrNoCommonVersion", err)
			}
			if mismatch.Key != APIKeyProduce || mismatch.BrokerLists != c.brokerLists || mismatch.Client != (VersionRange{3, 13}) {
				t.Fatalf("mismatch = %+v", mismatch)
			}
			if mismatch.Error() == "" {
				t.Fatal("empty message")
			}
		})
	}
}
