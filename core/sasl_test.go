package core

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestOAuthBearerInitialResponse: the OAUTHBEARER session sends RFC 7628's
// initial client response (gs2 header without an authorization id, then
// auth=Bearer and the token between ^A separators) and is done at the
// broker's answer.
func TestOAuthBearerInitialResponse(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SASLMechanism = SASLOAuthBearer
	cfg.SASLTokenProvider = func(context.Context) (string, error) { return "eyJhbGciOi.payload.sig", nil }
	session, err := newSASLSession(context.Background(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	token, done, err := session.next(nil)
	if err != nil || done {
		t.Fatalf("first step: done=%v err=%v", done, err)
	}
	if want := "n,,\x01auth=Bearer eyJhbGciOi.payload.sig\x01\x01"; string(token) != want {
		t.Errorf("initial response %q, want %q", token, want)
	}
	if _, done, err := session.next(nil); err != nil || !done {
		t.Errorf("after the broker's answer: done=%v err=%v, want done", done, err)
	}
}

// TestOAuthBearerProviderFails: a failing token provider fails the
// session with ErrAuthentication and the provider's error.
func TestOAuthBearerProviderFails(t *testing.T) {
	cause := errors.New("identity provider unreachable")
	cfg := DefaultConfig()
	cfg.SASLMechanism = SASLOAuthBearer
	cfg.SASLTokenProvider = func(context.Context) (string, error) { return "", cause }
	_, err := newSASLSession(context.Background(), &cfg)
	if !errors.Is(err, ErrAuthentication) || !errors.Is(err, cause) {
		t.Errorf("newSASLSession = %v, want ErrAuthentication and the provider's error", err)
	}
}

// TestPlainInitialResponse: PLAIN sends RFC 4616's message, without an
// authorization id.
func TestPlainInitialResponse(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SASLMechanism = SASLPlain
	if err := cfg.Set("sasl.jaas.config", `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";`); err != nil {
		t.Fatal(err)
	}
	session, err := newSASLSession(context.Background(), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	token, _, _ := session.next(nil)
	if got := strings.ReplaceAll(string(token), "\x00", "|"); got != "|u|p" {
		t.Errorf("PLAIN message %q, want |u|p", got)
	}
}
