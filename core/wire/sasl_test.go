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
		for _, mechs := range [][]string{nil, {"PLAIN"}, {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"}} {
			t.Run(fmt.Sprintf("v%d/%d", v, len(mechs)), func(t *testing.T) {
				req := SASLHandshakeRequest{Mechanism: "SCRAM-SHA-512"}
				got := kmsg.NewPtrSASLHandshakeRequest()
				got.SetVersion(v)
				if err := got.ReadFrom(encodeRequest(t, &req, v)); err != nil || got.Mechanism != req.Mechanism {
					t.Fatalf("request mechanism = %q, %v", got.Mechanism, err)
				}
				want := kmsg.NewPtrSASLHandshakeResponse()
				want.SetVersion(v)
				want.ErrorCode, want.SupportedMechanisms = ErrUnsupportedSaslMechanism.Code, mechs
				var resp SASLHandshakeResponse
				if _, err := ReadResponse(responseFrame(APIKeySASLHandshake, v, 2, want.AppendTo(nil)), v, &resp); err != nil {
					t.Fatal(err)
				}
				if resp.ErrorCode != want.ErrorCode || !slices.Equal(resp.Mechanisms, mechs) && len(mechs) > 0 || len(resp.Mechanisms) != len(mechs) {
					t.Errorf("response = %+v, want %+v", resp, want)
				}
			})
		}
	}
}

func TestSASLAuthenticateMatchesKmsg(t *testing.T) {
	for _, v := range allVersions(APIKeySASLAuthenticate) {
		for _, token := range [][]byte{{}, []byte("\x00user\x00secret"), bytes.Repeat([]byte{7}, 300)} {
			t.Run(fmt.Sprintf("v%d/%d", v, len(token)), func(t *testing.T) {
				req := SASLAuthenticateRequest{AuthBytes: token}
				got := kmsg.NewPtrSASLAuthenticateRequest()
				got.SetVersion(v)
				if err := got.ReadFrom(encodeRequest(t, &req, v)); err != nil || !bytes.Equal(got.SASLAuthBytes, token) {
					t.Fatalf("request token = %q, %v", got.SASLAuthBytes, err)
				}
				for _, msg := range []*string{nil, strp("bad password")} {
					want := kmsg.NewPtrSASLAuthenticateResponse()
					want.SetVersion(v)
					want.ErrorCode, want.ErrorMessage, want.SASLAuthBytes, want.SessionLifetimeMillis = 58, msg, token, 3600000
					want.UnknownTags.Set(1, []byte("z"))
					var resp SASLAuthenticateResponse
					if _, err := ReadResponse(responseFrame(APIKeySASLAuthenticate, v, 2, want.AppendTo(nil)), v, &resp); err != nil {
						t.Fatal(err)
					}
					wantLife := int64(0)
					if v >= 1 {
						wantLife = want.SessionLifetimeMillis
					}
					if resp.ErrorCode != 58 || !equalStrp(resp.ErrorMessage, msg) || !bytes.Equal(resp.AuthBytes, token) || resp.SessionLifetimeMillis != wantLife {
						t.Errorf("response = %+v", resp)
					}
				}
			})
		}
	}
}
