package main

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Embedded cluster shape: enough brokers and partitions for the producer's
// per-broker request grouping and partitioning to matter.
const (
	embeddedBrokers    = 3
	embeddedPartitions = 12
)

// startEmbeddedCluster starts an in-process Kafka cluster on loopback with
// topic created. Close it when done.
func startEmbeddedCluster(topic string) (*kfake.Cluster, error) {
	c, err := kfake.NewCluster(
		kfake.NumBrokers(embeddedBrokers),
		kfake.SeedTopics(embeddedPartitions, topic),
		kfake.AllowAutoTopicCreation(),
	)
	if err != nil {
		return nil, fmt.Errorf("starting the embedded cluster: %w", err)
	}
	return c, nil
}
