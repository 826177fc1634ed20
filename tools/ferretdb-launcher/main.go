// Command ferretdb-launcher runs FerretDB v1.24 (SQLite backend) embedded in a
// program of the project's own. FerretDB's own command panics at start when it
// is built with `go install` (its version file is not in the module zip); the
// embeddable package skips that check. Configuration comes from the environment:
//
//	FERRETDB_LISTEN_ADDR  TCP address to listen on (default 127.0.0.1:27017)
//	FERRETDB_SQLITE_URL   file: URI of an existing directory ending in / (required)
//	FERRETDB_LOG_LEVEL    debug|info|warn|error (default warn)
//	FERRETDB_ID_INDEX_POLL_MS  how often new collections get their `_id` index (default 250; 0 = off)
//
// It also serves `_id` lookups from an index, from outside FerretDB (idindex.go, README.md).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := envOr("FERRETDB_LISTEN_ADDR", "127.0.0.1:27017")
	sqliteURL := os.Getenv("FERRETDB_SQLITE_URL")
	if sqliteURL == "" {
		fmt.Fprintln(os.Stderr, "FERRETDB_SQLITE_URL is required (for example file:/path/to/dir/)")
		os.Exit(2)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(envOr("FERRETDB_LOG_LEVEL", "warn"))); err != nil {
		fmt.Fprintln(os.Stderr, "bad FERRETDB_LOG_LEVEL:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	pollMs, err := strconv.Atoi(envOr("FERRETDB_ID_INDEX_POLL_MS", "250"))
	if err != nil || pollMs < 0 {
		fmt.Fprintln(os.Stderr, "bad FERRETDB_ID_INDEX_POLL_MS:", os.Getenv("FERRETDB_ID_INDEX_POLL_MS"))
		os.Exit(2)
	}
	if pollMs > 0 {
		installConnectionHook(logger)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}

	// SIGTERM/SIGINT cancel the context so FerretDB closes its SQLite files cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if pollMs > 0 {
		dir, pragmas, err := sqliteDir(sqliteURL)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ferretdb-launcher: no _id index keeper:", err)
		} else {
			go keepIndexing(ctx, dir, pragmas, time.Duration(pollMs)*time.Millisecond, logger)
		}
	}
	fmt.Fprintf(os.Stderr, "ferretdb-launcher: listening on %s\n", addr)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
