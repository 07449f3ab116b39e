package bpf_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Child mode: the test binary, run again with writerAddrEnv set, connects to
// that address, says "ready", waits for a line on stdin, then writes
// childWrites vectors of childWriteSize bytes with writev and exits.
const (
	writerAddrEnv  = "PERFPRODUCER_BPF_TEST_WRITER"
	childWrites    = 10
	childWriteSize = 1000
)

func TestMain(m *testing.M) {
	if brokers := os.Getenv(producerEnv); brokers != "" {
		if err := produceAsChild(strings.Split(brokers, ",")); err != nil {
			fmt.Fprintln(os.Stderr, "producer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if addr := os.Getenv(writerAddrEnv); addr != "" {
		if err := writeAsChild(addr); err != nil {
			fmt.Fprintln(os.Stderr, "writer:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func writeAsChild(addr string) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	header, body := make([]byte, 10), make([]byte, childWriteSize-10)
	for range childWrites {
		// Two buffers make net.Buffers write with writev.
		bufs := net.Buffers{header, body}
		if _, err := bufs.WriteTo(conn); err != nil {
			return err
		}
	}
	return nil
}

// TestTraceChildProcess traces a second process, a child that writes to a
// listener of this one, and checks that its writes are seen and this
// process's own are not.
func TestTraceChildProcess(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerAddrEnv+"="+ln.Addr().String())
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("child said %q (%v), want ready", line, err)
	}

	tr := attach(t, cmd.Process.Pid)
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading the child's writes: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	if len(got) != childWrites*childWriteSize {
		t.Fatalf("child wrote %d bytes, want %d", len(got), childWrites*childWriteSize)
	}
	// This process writes too, with writev, on a connection of its own.
	own, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	ownBufs := net.Buffers{make([]byte, 10), make([]byte, 5000)}
	if _, err := ownBufs.WriteTo(own); err != nil {
		t.Fatal(err)
	}

	s := snapshot(t, tr)
	writev := syscallRow(t, s, "writev")
	if writev.Count < childWrites || writev.Bytes != childWrites*childWriteSize {
		t.Errorf("writev: %d calls of %d bytes seen, want at least %d calls of exactly %d bytes, the child's",
			writev.Count, writev.Bytes, childWrites, childWrites*childWriteSize)
	}
	childPort := uint16(conn.RemoteAddr().(*net.TCPAddr).Port)
	ownPort := uint16(own.LocalAddr().(*net.TCPAddr).Port)
	for _, c := range s.Conns {
		if c.LocalPort == ownPort {
			t.Errorf("this process's own connection from port %d is in the child's table", ownPort)
		}
	}
	if len(s.Conns) != 1 || s.Conns[0].LocalPort != childPort || s.Conns[0].SendBytes != childWrites*childWriteSize {
		t.Errorf("connections %+v, want the child's only, from port %d with %d bytes", s.Conns, childPort, childWrites*childWriteSize)
	}
}
