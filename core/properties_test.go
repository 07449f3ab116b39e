package core

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadProperties(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       map[string]string
	}{
		{"equals", "a=1", map[string]string{"a": "1"}},
		{"colon", "a:1", map[string]string{"a": "1"}},
		{"space", "a 1", map[string]string{"a": "1"}},
		{"spaces around separator", "  a \t=  1", map[string]string{"a": "1"}},
		{"space then colon", "a : 1", map[string]string{"a": "1"}},
		{"only the first separator counts", "a=b=c:d", map[string]string{"a": "b=c:d"}},
		{"key alone", "a", map[string]string{"a": ""}},
		{"empty value", "a=", map[string]string{"a": ""}},
		{"comments and blank lines", "# one\n! two\n\n   \n  # indented\na=1\n", map[string]string{"a": "1"}},
		{"hash inside a value", "a=1#2", map[string]string{"a": "1#2"}},
		{"crlf and cr line ends", "a=1\r\nb=2\rc=3", map[string]string{"a": "1", "b": "2", "c": "3"}},
		{"continuation", "a=one, \\\n    two, \\\n\tthree", map[string]string{"a": "one, two, three"}},
		{"continuation with crlf", "a=x\\\r\n  y", map[string]string{"a": "xy"}},
		{"continued line that looks like a comment", "a=x\\\n#y", map[string]string{"a": "x#y"}},
		{"escaped backslash does not continue", "a=x\\\\\nb=y", map[string]string{"a": `x\`, "b": "y"}},
		{"continuation at end of input", "a=x\\", map[string]string{"a": "x"}},
		{"escapes", `a=tab\tnl\ncr\rff\fbs\\eq\=co\:sp\ hash\#`, map[string]string{"a": "tab\tnl\ncr\rff\fbs\\eq=co:sp hash#"}},
		{"escaped separators in key", `a\=b\:c\ d=1`, map[string]string{"a=b:c d": "1"}},
		{"unicode escape", `a=caf\u00e9 \u20AC`, map[string]string{"a": "café €"}},
		{"surrogate pair", `a=\uD83D\uDE00`, map[string]string{"a": "😀"}},
		{"lone surrogate", `a=\uD83Dx`, map[string]string{"a": "\uFFFDx"}},
		{"unknown escape drops the backslash", `a=\q`, map[string]string{"a": "q"}},
		{"last value wins", "a=1\na=2", map[string]string{"a": "2"}},
		{"trailing whitespace kept", "a=1 \t", map[string]string{"a": "1 \t"}},
		{"empty input", "", map[string]string{}},
	} {
		got, err := ReadProperties(strings.NewReader(tc.text))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestReadPropertiesRejectsMalformedUnicode(t *testing.T) {
	for _, text := range []string{`a=\u12`, `a=\uXYZW`, `\u00g1=x`, "a=1\nb=\\u"} {
		_, err := ReadProperties(strings.NewReader(text))
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), `\u`) {
			t.Errorf("%q: got %v, want ErrInvalidConfig naming the escape", text, err)
		}
	}
	_, err := ReadProperties(strings.NewReader("a=1\n\nb=\\u12"))
	if err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("got %v, want an error naming line 3", err)
	}
}

func TestLoadPropertiesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "producer.properties")
	text := `# Producer settings for the load test.
! Another comment style.

bootstrap.servers = broker-1:9092, \
                    broker-2:9092
acks: 1
linger.ms 25
compression.type=zstd
compression.zstd.level = -3
client.id = load\ test
  enable.idempotence=false
`
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadPropertiesFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.BootstrapServers = []string{"broker-1:9092", "broker-2:9092"}
	want.Acks = AcksLeader
	want.Linger = 25 * time.Millisecond
	want.Compression = CompressionZstd
	want.ZstdLevel = -3
	want.ClientID = "load test"
	want.EnableIdempotence = false
	if !maps.Equal(c.Properties(), want.Properties()) {
		t.Errorf("loaded %v, want %v", c.Properties(), want.Properties())
	}

	if err := os.WriteFile(path, []byte("bootstrap.servers=k:1\nlinger.ms=soon\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadPropertiesFile(path)
	assertConfigError(t, err, "linger.ms")

	if err := os.WriteFile(path, []byte("bootstrap.servers=k:1\nlinger.ms=\\u00zz\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err = LoadPropertiesFile(path); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), path) {
		t.Errorf("got %v, want ErrInvalidConfig naming %s", err, path)
	}

	if _, err = LoadPropertiesFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
}

// FuzzReadProperties checks that any input either reads or fails with
// ErrInvalidConfig, and that what it reads survives ParseProperties without
// panicking.
func FuzzReadProperties(f *testing.F) {
	for _, seed := range []string{
		"bootstrap.servers=k:9092\nlinger.ms=5\n",
		"# c\n! c\na : b \\\n  c\r\nd e\rf\\=g=\\u00e9\\t\\\\",
		`a=\uD83D\uDE00`,
		"a\\",
		"\\u12",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		props, err := ReadProperties(strings.NewReader(text))
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v does not wrap ErrInvalidConfig", err)
			}
			return
		}
		if _, err := ParseProperties(props); err != nil && !errors.Is(err, ErrInvalidConfig) {
			t.Fatalf("ParseProperties error %v does not wrap ErrInvalidConfig", err)
		}
	})
}
