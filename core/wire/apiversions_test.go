package wire

import (
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestAPIVersionsRequestMatchesKmsg(t *testing.T) {
	for _, req := range []APIVersionsRequest{
		{ClientSoftwareName: "perfproducer", ClientSoftwareVersion: "0.1.0"},
		{},
	} {
		for _, v := range allVersions(APIKeyAPIVersions) {
			t.Run(fmt.Sprintf("%q/v%d", req.ClientSoftwareName, v), func(t *testing.T) {
				body := encodeRequest(t, &req, v)
				got := kmsg.NewPtrApiVersionsRequest()
				got.SetVersion(v)
				if err := got.ReadFrom(body); err != nil {
					t.Fatal(err)
				}
				wantName, wantVersion := "", ""
				if v >= 3 {
					wantName, wantVersion = req.ClientSoftwareName, req.ClientSoftwareVersion
				} else if len(body) != 0 {
					t.Errorf("v%d body = %x, want empty", v, body)
				}
				if got.ClientSoftwareName != wantName || got.ClientSoftwareVersion != wantVersion {
					t.Errorf("software = %q %q, want %q %q", got.ClientSoftwareName, got.ClientSoftwareVersion, wantName, wantVersion)
				}
			})
		}
	}
}

func kmsgAPIVersionsResponse(version int16, keys int) *kmsg.ApiVersionsResponse {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.SetVersion(version)
	resp.ThrottleMillis = 4
	for k := range int16(keys) {
		key := kmsg.NewApiVersionsResponseApiKey()
		key.ApiKey, key.MinVersion, key.MaxVersion = k, k%3, k%3+k
		key.UnknownTags.Set(5, []byte("x"))
		resp.ApiKeys = append(resp.ApiKeys, key)
	}
	// Feature tags this package skips, as a broker since 2.7 sends them.
	resp.SupportedFeatures = []kmsg.ApiVersionsResponseSupportedFeature{{Name: "metadata.version", MinVersion: 1, MaxVersion: 20}}
	resp.FinalizedFeaturesEpoch = 9
	resp.FinalizedFeatures = []kmsg.ApiVersionsResponseFinalizedFeature{{Name: "metadata.version", MaxVersionLevel: 20, MinVersionLevel: 20}}
	resp.UnknownTags.Set(99, []byte("later"))
	return resp
}

func TestAPIVersionsResponseMatchesKmsg(t *testing.T) {
	for _, keys := range []int{0, 1, 90} {
		for _, v := range allVersions(APIKeyAPIVersions) {
			t.Run(fmt.Sprintf("%dkeys/v%d", keys, v), func(t *testing.T) {
				want := kmsgAPIVersionsResponse(v, keys)
				var got APIVersionsResponse
				corr, err := readResponse(responseFrame(APIKeyAPIVersions, v, 1, want.AppendTo(nil)), APIKeyAPIVersions, v, &got)
				if err != nil || corr != 1 {
					t.Fatalf("readResponse: corr %d, %v", corr, err)
				}
				wantThrottle := int32(0)
				if v >= 1 {
					wantThrottle = want.ThrottleMillis
				}
				if got.ErrorCode != 0 || got.ThrottleMillis != wantThrottle || got.DecodedVersion != v || len(got.Keys) != keys {
					t.Fatalf("got %+v", got)
				}
				for i, k := range want.ApiKeys {
					if g := got.Keys[i]; g.Key != APIKey(k.ApiKey) || g.Versions != (VersionRange{k.MinVersion, k.MaxVersion}) {
						t.Errorf("key %d = %+v, want %+v", i, g, k)
					}
				}
			})
		}
	}
}

// TestAPIVersionsFallbackToV0 checks KIP-511: a broker that does not speak
// the version asked answers UNSUPPORTED_VERSION in the v0 format, and the
// client learns which version to ask again with.
func TestAPIVersionsFallbackToV0(t *testing.T) {
	for _, asked := range []int16{1, 3, 4} {
		for _, brokerMax := range []int16{0, 2, 3} {
			t.Run(fmt.Sprintf("asked v%d broker max v%d", asked, brokerMax), func(t *testing.T) {
				v0 := kmsg.NewPtrApiVersionsResponse()
				v0.SetVersion(0)
				v0.ErrorCode = ErrBrokerUnsupportedVersion.Code
				v0.ApiKeys = []kmsg.ApiVersionsResponseApiKey{{ApiKey: 18, MinVersion: 0, MaxVersion: brokerMax}}
				var got APIVersionsResponse
				if err := got.Decode(v0.AppendTo(nil), asked); err != nil {
					t.Fatal(err)
				}
				if got.DecodedVersion != 0 || got.ErrorCode != 35 || len(got.Keys) != 1 {
					t.Fatalf("got %+v", got)
				}
				retry, ok := got.RetryVersion()
				if !ok || retry != brokerMax {
					t.Fatalf("RetryVersion = %d, %v; want %d, true", retry, ok, brokerMax)
				}
				if !errors.Is(ErrorForCode(got.ErrorCode), ErrBrokerUnsupportedVersion) {
					t.Fatal("error code does not map to ErrBrokerUnsupportedVersion")
				}
			})
		}
	}
	var ok APIVersionsResponse
	if _, retry := ok.RetryVersion(); retry {
		t.Fatal("RetryVersion says retry on a successful answer")
	}
	unlisted := APIVersionsResponse{ErrorCode: 35}
	if v, retry := unlisted.RetryVersion(); !retry || v != 0 {
		t.Fatalf("broker not listing ApiVersions: RetryVersion = %d, %v; want 0, true", v, retry)
	}
}
