package main

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
)

// The embedded cluster's default shape: enough brokers and partitions for
// the producer's per-broker request grouping and partitioning to matter.
const (
	defaultEmbeddedBrokers    = 3
	defaultEmbeddedPartitions = 12
)

// startEmbeddedCluster starts an in-process Kafka cluster on loopback with
// topic created, shaped by e. Close it when done.
func startEmbeddedCluster(topic string, e embeddedOptions) (*kfake.Cluster, error) {
	opts := []kfake.Opt{
		kfake.NumBrokers(e.brokers),
		kfake.SeedTopics(int32(e.partitions), topic),
		kfake.AllowAutoTopicCreation(),
	}
	if e.blackhole {
		opts = append(opts, kfake.BlackholeProduce())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("starting the embedded cluster: %w", err)
	}
	return c, nil
}
