package wire

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestSASLHandshakeMatchesKmsg(t *testing.T) {
	for _, v := range allVersions(APIKeySASLHandshake) {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			got := kmsg.NewPtrSASLHandshakeRequest()
			got.SetVersion(v)
			if err := got.ReadFrom(encodeRequest(t, &SASLHandshakeRequest{Mechanism: "SCRAM-SHA-512"}, v)); err != nil {
				t.Fatal(err)
			}
			if got.Mechanism != "SCRAM-SHA-512" {
				t.Errorf("mechanism = %q", got.Mechanism)
			}
			want := kmsg.NewPtrSASLHandshakeResponse()
			want.SetVersion(v)
			want.ErrorCode, want.SupportedMechanisms = ErrUnsupportedSaslMechanism.Code, []string{"PLAIN", "SCRAM-SHA-256"}
			var resp SASLHandshakeResponse
			if corr, err := readResponse(responseFrame(APIKeySASLHandshake, v, 4, want.AppendTo(nil)), APIKeySASLHandshake, v, &resp); err != nil || corr != 4 {
				t.Fatalf("readResponse: %d, %v", corr, err)
			}
			if resp.ErrorCode != want.ErrorCode || !slices.Equal(resp.Mechanisms, want.SupportedMechanisms) {
				t.Errorf("response = %+v", resp)
			}
		})
	}
}

func TestSASLAuthenticateMatchesKmsg(t *testing.T) {
	for _, v := range allVersions(APIKeySASLAuthenticate) {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			token := []byte("\x00user\x00pencil")
			got := kmsg.NewPtrSASLAuthenticateRequest()
			got.SetVersion(v)
			if err := got.ReadFrom(encodeRequest(t, &SASLAuthenticateRequest{AuthBytes: token}, v)); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.SASLAuthBytes, token) {
				t.Errorf("auth bytes = %q, want %q", got.SASLAuthBytes, token)
			}
			message := "bad password"
			want := kmsg.NewPtrSASLAuthenticateResponse()
			want.SetVersion(v)
			want.ErrorCode, want.ErrorMessage, want.SASLAuthBytes, want.SessionLifetimeMillis = ErrSaslAuthenticationFailed.Code, &message, []byte("v=signature"), 3600000
			if v >= 2 {
				want.UnknownTags.Set(7, []byte("t"))
			}
			var resp SASLAuthenticateResponse
			if corr, err := readResponse(responseFrame(APIKeySASLAuthenticate, v, 5, want.AppendTo(nil)), APIKeySASLAuthenticate, v, &resp); err != nil || corr != 5 {
				t.Fatalf("readResponse: %d, %v", corr, err)
			}
			wantLifetime := int64(0)
			if v >= 1 {
				wantLifetime = want.SessionLifetimeMillis
			}
			if resp.ErrorCode != want.ErrorCode || !equalStrp(resp.ErrorMessage, &message) ||
				!bytes.Equal(resp.AuthBytes, want.SASLAuthBytes) || resp.SessionLifetimeMillis != wantLifetime {
				t.Errorf("response = %+v", resp)
			}
		})
	}
}
