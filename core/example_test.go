package core_test

import (
	"context"
	"fmt"
	"log"

	"github.com/perfproducer/perfproducer/core"
	"github.com/twmb/franz-go/pkg/kfake"
)

func Example() {
	// An in-process cluster stands in for real brokers here.
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, "events"))
	if err != nil {
		log.Fatal(err)
	}
	defer cluster.Close()

	cfg := core.DefaultConfig() // acks=all, idempotence on, linger.ms=5, ...
	cfg.BootstrapServers = cluster.ListenAddrs()
	p, err := core.NewProducer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	defer p.Close(ctx)

	// Asynchronous: the callback runs on the producer's sender goroutine.
	done := make(chan struct{})
	rec := core.Record{Topic: "events", Key: []byte("user-1"), Value: []byte("signed up")}
	if err := p.Send(ctx, &rec, func(md core.RecordMetadata, err error) {
		defer close(done)
		if err != nil {
			log.Print(err)
			return
		}
		fmt.Printf("async: partition %d offset %d\n", md.Partition, md.Offset)
	}); err != nil {
		log.Fatal(err)
	}
	<-done

	// Synchronous.
	rec = core.Record{Topic: "events", Value: []byte("logged in")}
	md, err := p.SendSync(ctx, &rec)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("sync: partition %d offset %d\n", md.Partition, md.Offset)
	// Output:
	// async: partition 0 offset 0
	// sync: partition 0 offset 1
}
