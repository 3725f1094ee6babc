// Command syncchild is `leadsheet sync` without the desktop app around it:
// cli.Main on the real process environment. The hostile-input test builds
// it without the race detector when the tests themselves run with -race,
// so the child's time and memory are what an operator's machine would see.
package main

import (
	"context"
	"os"

	"leadsheet/importer/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr,
		ConfigDir: os.Getenv("LEADSHEET_CLI_TEST_CONFIG")}))
}
