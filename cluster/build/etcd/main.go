// Command etcd is etcd's own entry point; the upstream main package lives in a module that
// `go install` refuses (replace directives), so this wrapper calls the same function.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
