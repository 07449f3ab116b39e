package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// options are the command line, with kafka-producer-perf-test's names.
type options struct {
	topic            string
	numRecords       int64
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
}

// errUsage marks a command line the tool cannot run.
var errUsage = errors.New("usage")

// Defaults for a bare `perfproducer`: a million 100-byte records, as fast
// as they go, into the embedded cluster.
const (
	defaultTopic      = "perf-test"
	defaultNumRecords = 1_000_000
	defaultRecordSize = 100
)

const usage = `Usage: perfproducer [flags]

  --topic TOPIC                    topic to produce to (default perf-test)
  --num-records N                  records to send (default 1000000)
  --record-size BYTES              value size (default 100 unless --payload-file or --payload-monotonic)
  --throughput N                   records/sec limit, -1 for none (default -1)
  --producer-props K=V [K=V ...]   producer properties (take precedence over --producer.config)
  --producer.config FILE           producer properties file
  --payload-file FILE              values picked at random from FILE's delimited entries
  --payload-delimiter D            delimiter for --payload-file (default \n)
  --payload-monotonic              values are the record's index as decimal text
  --payload-seq                    first 8 bytes of each value are the record's index, big-endian
  --key-size BYTES                 random keys of this size (keyed partitioning); 0 for none
  --bootstrap-server HOST:PORT     brokers; none starts an embedded 3-broker cluster
  --transport epoll|iouring        the producer's socket layer (the property transport;
                                   default epoll, which io_uring falls back to where refused)
  --print-metrics                  print producer metrics at the end
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
		throughput:       -1,
		payloadDelimiter: "\n",
		producerProps:    map[string]string{},
		recordSize:       -1,
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "--") {
			return nil, fmt.Errorf("%w: unexpected argument %q", errUsage, arg)
		}
		name, value, hasValue := strings.Cut(arg[2:], "=")
		// next returns the flag's value: after '=' or the next argument.
		next := func() (string, error) {
			if hasValue {
				return value, nil
			}
			if i+1 >= len(args) {
				return "", fmt.Errorf("%w: --%s needs a value", errUsage, name)
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
		case "record-size":
			var n int64
			err = intFlag(name, next, &n)
			o.recordSize = int(n)
		case "key-size":
			var n int64
			err = intFlag(name, next, &n)
			o.keySize = int(n)
		case "throughput":
			var v string
			if v, err = next(); err == nil {
				if o.throughput, err = strconv.ParseFloat(v, 64); err != nil {
					err = fmt.Errorf("%w: --throughput %q is not a number", errUsage, v)
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
		case "bootstrap-server":
			o.bootstrapServer, err = next()
		case "transport":
			var v string
			if v, err = next(); err == nil {
				o.producerProps["transport"] = v
			}
		case "help", "h":
			return nil, errUsage
		default:
			err = fmt.Errorf("%w: unknown flag --%s", errUsage, name)
		}
		if err != nil {
			return nil, err
		}
	}
	return o, o.check()
}

func intFlag(name string, next func() (string, error), dst *int64) error {
	v, err := next()
	if err != nil {
		return err
	}
	if *dst, err = strconv.ParseInt(v, 10, 64); err != nil {
		return fmt.Errorf("%w: --%s %q is not a whole number", errUsage, name, v)
	}
	return nil
}

func addProp(props map[string]string, kv string) error {
	k, v, ok := strings.Cut(kv, "=")
	if !ok || k == "" {
		return fmt.Errorf("%w: invalid property %q, want NAME=VALUE", errUsage, kv)
	}
	props[k] = v
	return nil
}

// check applies the Java tool's rules between flags.
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
		return fmt.Errorf("%w: give only one of --record-size, --payload-file and --payload-monotonic", errUsage)
	case sources == 0:
		o.recordSize = defaultRecordSize
	}
	switch {
	case o.topic == "":
		return fmt.Errorf("%w: --topic must not be empty", errUsage)
	case o.numRecords <= 0:
		return fmt.Errorf("%w: --num-records should be greater than zero", errUsage)
	case o.payloadFile == "" && !o.payloadMonotonic && o.recordSize <= 0:
		return fmt.Errorf("%w: --record-size should be greater than zero", errUsage)
	case o.payloadSeq && o.payloadFile == "" && !o.payloadMonotonic && o.recordSize < 8:
		return fmt.Errorf("%w: --payload-seq needs --record-size of at least 8", errUsage)
	case o.payloadSeq && (o.payloadFile != "" || o.payloadMonotonic):
		return fmt.Errorf("%w: --payload-seq goes with --record-size only", errUsage)
	case o.keySize < 0:
		return fmt.Errorf("%w: --key-size must not be negative", errUsage)
	}
	return nil
}
