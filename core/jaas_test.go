package core

import (
	"errors"
	"strings"
	"testing"
)

func TestParseJAAS(t *testing.T) {
	const plain = "org.apache.kafka.common.security.plain.PlainLoginModule"
	const scram = "org.apache.kafka.common.security.scram.ScramLoginModule"
	for _, tc := range []struct {
		name, text, user, password string
	}{
		{"plain", plain + ` required username="alice" password="s3cret";`, "alice", "s3cret"},
		{"scram", scram + ` required username="bob" password="pw";`, "bob", "pw"},
		{"bare values", plain + ` required username=alice password=s3cret;`, "alice", "s3cret"},
		{"semicolon on the flag", scram + ` required;`, "", ""},
		{"spaces around =", plain + ` required username = "alice" password = "p w";`, "alice", "p w"},
		{"lines and tabs", plain + "\n\trequired\n\tusername=\"alice\"\n\tpassword=\"x\";\n", "alice", "x"},
		{"escaped quote and backslash", plain + ` required username="a\"b" password="c\\d\"";`, `a"b`, `c\d"`},
		{"other options ignored", scram + ` required tokenauth="false" username="u" password="p";`, "u", "p"},
		{"control flag case", plain + ` REQUIRED username="u" password="p";`, "u", "p"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user, password, reason := parseJAAS(tc.text)
			if reason != "" || user != tc.user || password != tc.password {
				t.Errorf("parseJAAS = %q, %q, %q; want %q, %q", user, password, reason, tc.user, tc.password)
			}
		})
	}
}

// TestParseJAASErrors: malformed entries are refused with a reason that,
// through Config.Set, never shows the password.
func TestParseJAASErrors(t *testing.T) {
	const secret = "hunter2-secret"
	const plain = "org.apache.kafka.common.security.plain.PlainLoginModule"
	for _, tc := range []struct{ name, text, reason string }{
		{"unknown module", `com.example.Login required password="` + secret + `";`, "PlainLoginModule or ScramLoginModule"},
		{"no control flag", plain + ` password="` + secret + `";`, "control flag"},
		{"no semicolon", plain + ` required password="` + secret + `"`, "semicolon"},
		{"unclosed quote", plain + ` required password="` + secret + `;`, "no closing quote"},
		{"not key=value", plain + ` required "` + secret + `";`, "not key=value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, reason := parseJAAS(tc.text); !strings.Contains(reason, tc.reason) {
				t.Errorf("reason %q, want one containing %q", reason, tc.reason)
			}
			cfg := DefaultConfig()
			err := cfg.Set("sasl.jaas.config", tc.text)
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Set = %v, want ErrInvalidConfig", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}
