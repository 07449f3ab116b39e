package bpf

//go:generate go tool bpf2go -cc clang -cflags "-O2 -Wall -Werror" -target bpfel -tags linux tracer tracer.c
