package main

// FerretDB v1.24's SQLite backend creates each collection's `_id` index on the
// expression `_ferretdb_sjson->"_id"`, but every query it generates filters on
// `_ferretdb_sjson->'$._id'` (metadata.IDColumn). SQLite uses an expression index
// only when the query writes the same expression, so every findOne/updateOne/
// deleteOne by `_id` scans the whole table (EXPLAIN QUERY PLAN: SCAN). We do not
// patch FerretDB: this file adds, from outside, a second index on the expression
// exactly as FerretDB's queries write it, for every FerretDB table, and keeps doing
// so for tables created later. See README.md in this folder.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// idExpression is FerretDB's metadata.IDColumn, character for character.
const idExpression = `_ferretdb_sjson->'$._id'`

// indexSuffix names our indexes `<table>_sb_id`; FerretDB names its own `<table>_<index name>`
// and index names from clients cannot contain this suffix's meaning, so there is no clash in practice.
const indexSuffix = "_sb_id"

// missingTablesSQL lists FerretDB's collection tables that lack our index.
const missingTablesSQL = `SELECT t.name FROM sqlite_master t
WHERE t.type = 'table'
  AND t.name NOT LIKE 'sqlite\_%' ESCAPE '\'
  AND t.name NOT LIKE '\_ferretdb\_%' ESCAPE '\'
  AND NOT EXISTS (SELECT 1 FROM sqlite_master i WHERE i.type = 'index' AND i.tbl_name = t.name AND i.name = t.name || '` + indexSuffix + `')`

type queryExecer interface {
	query(ctx context.Context, q string) ([]string, error)
	exec(ctx context.Context, q string) error
}

// ensureIDIndexes creates the missing `_id` expression indexes through q and returns the tables indexed.
func ensureIDIndexes(ctx context.Context, q queryExecer) ([]string, error) {
	tables, err := q.query(ctx, missingTablesSQL)
	if err != nil {
		return nil, err
	}
	var done []string
	for _, table := range tables {
		stmt := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (%s)`, table+indexSuffix, table, idExpression)
		if err := q.exec(ctx, stmt); err != nil {
			// The table may have been dropped meanwhile; the next pass looks again.
			return done, fmt.Errorf("%s: %w", table, err)
		}
		done = append(done, table)
	}
	return done, nil
}

// driverConn adapts the raw connection a modernc.org/sqlite connection hook receives.
type driverConn struct{ c sqlite.ExecQuerierContext }

func (d driverConn) query(ctx context.Context, q string) ([]string, error) {
	rows, err := d.c.QueryContext(ctx, q, nil)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	dest := make([]driver.Value, 1)
	for {
		if err := rows.Next(dest); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, err
		}
		switch v := dest[0].(type) {
		case string:
			out = append(out, v)
		case []byte:
			out = append(out, string(v))
		}
	}
}

func (d driverConn) exec(ctx context.Context, q string) error {
	_, err := d.c.ExecContext(ctx, q, nil)
	return err
}

// installConnectionHook makes every new SQLite connection in this process (FerretDB's
// own, opened when it opens a database or its pool grows, and the keeper's below) add
// the missing indexes first. This covers every table that exists when a database is opened,
// e.g. after a restart on existing data.
func installConnectionHook(logger *slog.Logger) {
	sqlite.RegisterConnectionHook(func(conn sqlite.ExecQuerierContext, dsn string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done, err := ensureIDIndexes(ctx, driverConn{conn})
		for _, table := range done {
			logger.Debug("ferretdb-launcher: _id index created", "table", table, "database", filepath.Base(dsnPath(dsn)))
		}
		if err != nil {
			logger.Warn("ferretdb-launcher: _id index not created yet", "err", err)
		}
		return nil // never fail FerretDB's connection over our index
	})
}

func dsnPath(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	if u.Opaque != "" {
		return u.Opaque
	}
	return u.Path
}

// keepIndexing looks at every database file in dir every interval and opens a short
// connection (which runs the hook above) when the file changed since its last look, so
// collections created later get their index within about one interval. A file is only
// opened read-write, never created (mode=rw), so a database dropped meanwhile stays gone.
func keepIndexing(ctx context.Context, dir, pragmas string, interval time.Duration, logger *slog.Logger) {
	type seen struct {
		size  int64
		mtime time.Time
	}
	last := map[string]seen{}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		present := map[string]bool{}
		for _, file := range files {
			present[file] = true
			// Every write (a new table included) lands in the WAL first, then the main file.
			stamp := seen{}
			for _, f := range []string{file, file + "-wal"} {
				if fi, err := os.Stat(f); err == nil {
					stamp.size += fi.Size()
					if fi.ModTime().After(stamp.mtime) {
						stamp.mtime = fi.ModTime()
					}
				}
			}
			if last[file] == stamp {
				continue
			}
			if err := touch(ctx, file, pragmas); err != nil {
				logger.Debug("ferretdb-launcher: index pass skipped", "file", filepath.Base(file), "err", err)
				continue
			}
			last[file] = stamp
		}
		for file := range last {
			if !present[file] {
				delete(last, file)
			}
		}
	}
}

// touch opens one connection to file (the connection hook does the indexing) and closes it.
func touch(ctx context.Context, file, pragmas string) error {
	dsn := "file:" + file + "?mode=rw"
	if pragmas != "" {
		dsn += "&" + pragmas
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	pingCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return db.PingContext(pingCtx)
}

// sqliteDir returns the directory and the `_pragma` parameters of a FerretDB SQLite URL
// such as `file:/data/dir/?_pragma=synchronous(normal)`.
func sqliteDir(sqliteURL string) (string, string, error) {
	u, err := url.Parse(sqliteURL)
	if err != nil {
		return "", "", err
	}
	p := u.Opaque
	if p == "" {
		p = u.Path
	}
	if p == "" || u.Query().Get("mode") == "memory" {
		return "", "", errors.New("not a directory URL")
	}
	var pragmas []string
	pragmas = append(pragmas, "_pragma=busy_timeout(10000)")
	for _, v := range u.Query()["_pragma"] {
		if !strings.HasPrefix(v, "busy_timeout") && !strings.HasPrefix(v, "journal_mode") {
			pragmas = append(pragmas, "_pragma="+url.QueryEscape(v))
		}
	}
	return strings.TrimSuffix(p, "/"), strings.Join(pragmas, "&"), nil
}
