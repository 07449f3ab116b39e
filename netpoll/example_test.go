//go:build linux

package netpoll_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/perfproducer/perfproducer/netpoll"
)

// The sender goroutine connects, stages a request as an iovec list (a header
// and a body that stays where it is) and polls until the response frame is in.
func ExampleSelector() {
	// A stand-in broker that answers one frame with "pong".
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, _ := ln.Accept()
		defer c.Close()
		var request [4 + 4]byte
		io.ReadFull(c, request[:])
		c.Write([]byte{0, 0, 0, 4, 'p', 'o', 'n', 'g'})
		io.Copy(io.Discard, c) // until the selector closes
	}()

	sel, err := netpoll.New(netpoll.Config{})
	if err != nil {
		panic(err)
	}
	defer sel.Close()
	if err := sel.Connect(context.Background(), 1, ln.Addr().String()); err != nil {
		panic(err)
	}
	body := []byte("ping")
	header := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	if err := sel.Send(1, [][]byte{header, body}, 42); err != nil {
		panic(err)
	}
	for done := false; !done; {
		if err := sel.Poll(time.Second); err != nil {
			panic(err)
		}
		for _, id := range sel.Connected() {
			fmt.Println("connected", id)
		}
		for _, c := range sel.Sent() {
			fmt.Println("sent", c.Token, "on", c.ID)
		}
		for _, f := range sel.Received() {
			fmt.Printf("received %q on %d\n", f.Bytes, f.ID)
			done = true
		}
		for _, d := range sel.Disconnected() {
			panic(d.Err)
		}
	}
	// Output:
	// connected 1
	// sent 42 on 1
	// received "pong" on 1
}
