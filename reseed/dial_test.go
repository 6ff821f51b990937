package reseed

import "net"

func dialTCP(addr string) (net.Conn, error) { return net.Dial("tcp", addr) }
