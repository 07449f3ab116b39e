package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// options are the command line, with kafka-producer-perf-test's names.
type options struct {
	topic            string
	numRecords       int64
	duration         time.Duration
	warmup           time.Duration
	producers        int
	recordSize       int
	throughput       float64
	producerProps    map[string]string
	producerConfig   string
	payloadFile      string
	payloadDelimiter string
	payloadMonotonic bool
	printMetrics     bool
	bootstrapServer  string
	payloadSeq       bool
	keySize          int
	trace            bool
	jsonFile         string
	plotFile         string
	embedded         embeddedOptions
	// given holds the names of the flags on the command line.
	given map[string]bool
}

// embeddedOptions shape the embedded cluster.
type embeddedOptions struct {
	brokers, partitions int
	blackhole           bool
}

// errUsage marks a command line the tool cannot run; its errors are
// usageErrors, or errUsage itself for --help.
var errUsage = errors.New("usage")

// usageError is a command line the tool cannot run: one sentence saying
// why, matching errUsage.
type usageError struct{ sentence string }

func (e *usageError) Error() string        { return e.sentence }
func (e *usageError) Is(target error) bool { return target == errUsage }

// usagef is a usageError of the sentence format makes.
func usagef(format string, args ...any) error {
	return &usageError{sentence: fmt.Sprintf(format, args...)}
}

// Defaults for a bare `perfproducer`: a million 100-byte records, as fast
// as they go, into the embedded cluster.
const (
	defaultTopic      = "perf-test"
	defaultNumRecords = 1_000_000
	defaultRecordSize = 100
)

// The flags that shape the embedded cluster, which --bootstrap-server
// replaces.
var embeddedFlags = []string{"embedded-brokers", "partitions", "embedded-blackhole"}

const usage = `Usage: perfproducer [flags]

  --topic TOPIC                    topic to produce to (default perf-test)
  --num-records N                  records to send (default 1000000)
  --duration D                     send for D (e.g. 30s, 5m) instead of --num-records,
                                   after the --warmup
  --warmup D                       leave out the records that complete in the first D
                                   from every figure: the periodic lines, the final
                                   line, --json and --plot (default 0)
  --record-size BYTES              value size (default 100 unless --payload-file or --payload-monotonic)
  --throughput N                   records/sec limit, -1 for none (default -1); a paced
                                   run measures each record's latency from when it was
                                   due, free of coordinated omission
  --producers N                    goroutines sending through the one producer, each
                                   taking every N-th record and 1/N of --throughput (default 1)
  --producer-props K=V [K=V ...]   producer properties (take precedence over --producer.config)
  --producer.config FILE           producer properties file
  --payload-file FILE              values picked at random from FILE's delimited entries
  --payload-delimiter D            delimiter for --payload-file (default \n)
  --payload-monotonic              values are the record's index as decimal text
  --payload-seq                    first 8 bytes of each value are the record's index, big-endian
  --key-size BYTES                 random keys of this size (keyed partitioning); 0 for none
  --bootstrap-server HOST:PORT     brokers; none starts an embedded cluster
  --embedded-brokers N             brokers of the embedded cluster (default 3)
  --partitions N                   partitions of the embedded cluster's topic (default 12)
  --embedded-blackhole             the embedded brokers acknowledge records and store none
  --transport epoll|iouring        the producer's socket layer (the property transport;
                                   default epoll, which io_uring falls back to where refused)
  --print-metrics                  print producer metrics at the end
  --json FILE                      write every figure of the run to FILE as JSON
  --plot FILE.svg|FILE.png         draw the latency percentile curve and the throughput
                                   over time to FILE (the format by its extension)
  --trace                          trace this run with eBPF (root, Linux 6.3, BTF) and print
                                   its syscall and TCP tables at the end; TCP is filtered to
                                   the bootstrap servers' ports, and the embedded cluster's
                                   own syscalls count too; then each batch's stages (append,
                                   seal, writev, response, callbacks: count, p50, p99, max)

       perfproducer trace --pid N [--port P] [--duration D]
                                   the same tables for any process (trace --help)
`

// parseArgs reads the command line. Flags take "--name value" or
// "--name=value"; --producer-props takes every argument up to the next flag.
func parseArgs(args []string) (*options, error) {
	o := &options{
		topic:            defaultTopic,
		numRecords:       defaultNumRecords,
		producers:        1,
		throughput:       -1,
		payloadDelimiter: "\n",
		producerProps:    map[string]string{},
		recordSize:       -1,
		embedded:         embeddedOptions{brokers: defaultEmbeddedBrokers, partitions: defaultEmbeddedPartitions},
		given:            map[string]bool{},
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "--") {
			return nil, usagef("unexpected argument %q: flags start with --", arg)
		}
		name, value, hasValue := strings.Cut(arg[2:], "=")
		// next returns the flag's value: after '=' or the next argument.
		next := func() (string, error) {
			if hasValue {
				return value, nil
			}
			if i+1 >= len(args) {
				return "", usagef("--%s needs a value", name)
			}
			i++
			return args[i], nil
		}
		var err error
		switch name {
		case "topic":
			o.topic, err = next()
		case "num-records":
			err = intFlag(name, next, &o.numRecords)
		case "duration":
			err = durationFlag(name, next, &o.duration)
		case "warmup":
			err = durationFlag(name, next, &o.warmup)
		case "producers":
			err = smallIntFlag(name, next, &o.producers)
		case "record-size":
			err = smallIntFlag(name, next, &o.recordSize)
		case "key-size":
			err = smallIntFlag(name, next, &o.keySize)
		case "throughput":
			var v string
			if v, err = next(); err == nil {
				if o.throughput, err = strconv.ParseFloat(v, 64); err != nil || math.IsNaN(o.throughput) || math.IsInf(o.throughput, 0) {
					err = usagef("--throughput %q is not a number", v)
				}
			}
		case "producer-props":
			if hasValue {
				err = addProp(o.producerProps, value)
			}
			for err == nil && i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				i++
				err = addProp(o.producerProps, args[i])
			}
		case "producer.config":
			o.producerConfig, err = next()
		case "payload-file":
			o.payloadFile, err = next()
		case "payload-delimiter":
			o.payloadDelimiter, err = next()
			o.payloadDelimiter = strings.ReplaceAll(o.payloadDelimiter, `\n`, "\n")
		case "payload-monotonic":
			o.payloadMonotonic = true
		case "payload-seq":
			o.payloadSeq = true
		case "print-metrics":
			o.printMetrics = true
		case "trace":
			o.trace = true
		case "json":
			o.jsonFile, err = next()
		case "plot":
			o.plotFile, err = next()
		case "bootstrap-server":
			o.bootstrapServer, err = next()
		case "embedded-brokers":
			err = smallIntFlag(name, next, &o.embedded.brokers)
		case "partitions":
			err = smallIntFlag(name, next, &o.embedded.partitions)
		case "embedded-blackhole":
			o.embedded.blackhole = true
		case "transport":
			var v string
			if v, err = next(); err == nil {
				o.producerProps["transport"] = v
			}
		case "help", "h":
			return nil, errUsage
		default:
			err = usagef("unknown flag --%s", name)
		}
		if err != nil {
			return nil, err
		}
		o.given[name] = true
	}
	return o, o.check()
}

func intFlag(name string, next func() (string, error), dst *int64) error {
	v, err := next()
	if err != nil {
		return err
	}
	if *dst, err = strconv.ParseInt(v, 10, 64); err != nil {
		return usagef("--%s %q is not a whole number", name, v)
	}
	return nil
}

// smallIntFlag is intFlag for an int that fits 32 bits, as Java's do.
func smallIntFlag(name string, next func() (string, error), dst *int) error {
	var n int64
	if err := intFlag(name, next, &n); err != nil {
		return err
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return usagef("--%s %d is out of range", name, n)
	}
	*dst = int(n)
	return nil
}

func durationFlag(name string, next func() (string, error), dst *time.Duration) error {
	v, err := next()
	if err != nil {
		return err
	}
	if *dst, err = time.ParseDuration(v); err != nil || *dst < 0 {
		return usagef("--%s %q is not a duration such as 30s or 5m", name, v)
	}
	return nil
}

func addProp(props map[string]string, kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return usagef("invalid property %q, want NAME=VALUE", kv)
	}
	props[k] = v
	return nil
}

// check applies the Java tool's rules between flags, and ours.
func (o *options) check() error {
	sources := 0
	if o.recordSize >= 0 {
		sources++
	}
	if o.payloadFile != "" {
		sources++
	}
	if o.payloadMonotonic {
		sources++
	}
	switch {
	case sources > 1:
		return usagef("give only one of --record-size, --payload-file and --payload-monotonic")
	case sources == 0:
		o.recordSize = defaultRecordSize
	}
	if o.given["duration"] {
		o.numRecords = maxRecords
	}
	switch {
	case o.topic == "":
		return usagef("--topic must not be empty")
	case o.given["duration"] && o.given["num-records"]:
		return usagef("give either --num-records or --duration, not both")
	case o.given["duration"] && o.duration == 0:
		return usagef("--duration should be greater than zero")
	case o.numRecords <= 0:
		return usagef("--num-records should be greater than zero")
	case o.numRecords > maxRecords:
		return usagef("--num-records should be at most %d", int64(maxRecords))
	case o.producers <= 0:
		return usagef("--producers should be greater than zero")
	case o.payloadFile == "" && !o.payloadMonotonic && o.recordSize <= 0:
		return usagef("--record-size should be greater than zero")
	case o.recordSize > maxValueSize:
		return usagef("--record-size should be at most %d bytes", maxValueSize)
	case o.payloadSeq && o.payloadFile == "" && !o.payloadMonotonic && o.recordSize < 8:
		return usagef("--payload-seq needs --record-size of at least 8")
	case o.payloadSeq && (o.payloadFile != "" || o.payloadMonotonic):
		return usagef("--payload-seq goes with --record-size only")
	case o.keySize < 0:
		return usagef("--key-size must not be negative")
	case o.embedded.brokers <= 0:
		return usagef("--embedded-brokers should be greater than zero")
	case o.embedded.partitions <= 0:
		return usagef("--partitions should be greater than zero")
	case o.jsonFile == "" && o.given["json"]:
		return usagef("--json needs a file name")
	}
	if o.given["plot"] {
		if _, err := plotFormatOf(o.plotFile); err != nil {
			return err
		}
	}
	if o.bootstrapServer != "" {
		return o.checkEmbeddedUnused("--bootstrap-server")
	}
	return nil
}

// checkEmbeddedUnused refuses the embedded cluster's flags for a run
// against the brokers that servers names.
func (o *options) checkEmbeddedUnused(servers string) error {
	for _, name := range embeddedFlags {
		if o.given[name] {
			return usagef("--%s shapes the embedded cluster and cannot go with %s", name, servers)
		}
	}
	return nil
}
