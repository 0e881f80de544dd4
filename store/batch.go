package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Insert describes the rows a Batch writes into one table: a plain INSERT,
// or an upsert when Conflict is set.
type Insert struct {
	Table   string
	Columns []string
	// Conflict names the columns of a unique key (the primary key, say).
	// With it, a row whose key is already in the table is not an error: it
	// is updated (Update) or left as it is (no Update). Without it, such a
	// row fails the statement.
	Conflict []string
	// Update lists the columns an existing row takes from the new one.
	Update []string
	// Where, optional, limits the update to rows meeting a condition, in
	// which the existing row is named by the table and the new one by
	// "excluded": "analytics_run.modified_on < excluded.modified_on".
	Where string
	// Rows per statement; zero means 250 (or fewer when the columns are
	// many: a statement takes at most 32,766 values on SQLite). Past a few
	// hundred rows a statement, larger ones are no faster on either
	// dialect, and slower on PostgreSQL. (A plain insert on PostgreSQL is
	// a COPY, of 1,000 rows when zero.)
	Rows int
}

// Maximum values per statement: SQLite's SQLITE_MAX_VARIABLE_NUMBER
// (PostgreSQL allows 65,535).
const maxParams = 32766

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// sql returns the statement for n rows in dialect d. SQLite gets anonymous
// parameters: it finds a numbered one ($n) by a linear search, which makes
// binding a statement of thousands of them quadratic.
func (ins *Insert) sql(d Dialect, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", ins.Table, strings.Join(ins.Columns, ", "))
	p := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range ins.Columns {
			if j > 0 {
				b.WriteString(", ")
			}
			if d == SQLite {
				b.WriteByte('?')
			} else {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(p))
				p++
			}
		}
		b.WriteByte(')')
	}
	if len(ins.Conflict) > 0 {
		fmt.Fprintf(&b, " ON CONFLICT (%s) DO ", strings.Join(ins.Conflict, ", "))
		if len(ins.Update) == 0 {
			b.WriteString("NOTHING")
		} else {
			b.WriteString("UPDATE SET ")
			for i, c := range ins.Update {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "%s = excluded.%s", c, c)
			}
			if ins.Where != "" {
				b.WriteString(" WHERE ")
				b.WriteString(ins.Where)
			}
		}
	}
	return b.String()
}

func (ins *Insert) check() error {
	if !identifier.MatchString(ins.Table) {
		return fmt.Errorf("store: insert: bad table name %q", ins.Table)
	}
	if len(ins.Columns) == 0 {
		return fmt.Errorf("store: insert into %s: no columns", ins.Table)
	}
	cols := map[string]int{}
	for i, c := range ins.Columns {
		if !identifier.MatchString(c) {
			return fmt.Errorf("store: insert into %s: bad column name %q", ins.Table, c)
		}
		cols[c] = i
	}
	for _, list := range [][]string{ins.Conflict, ins.Update} {
		for _, c := range list {
			if _, ok := cols[c]; !ok {
				return fmt.Errorf("store: insert into %s: %q is not among the columns", ins.Table, c)
			}
		}
	}
	if len(ins.Update) > 0 && len(ins.Conflict) == 0 {
		return fmt.Errorf("store: insert into %s: Update needs Conflict", ins.Table)
	}
	if ins.Where != "" && len(ins.Update) == 0 {
		return fmt.Errorf("store: insert into %s: Where needs Update", ins.Table)
	}
	return nil
}

// Batch writes many rows in few statements: the way to load thousands of
// rows a second (see the package's benchmarks). Make one with Tx.Batch,
// Add rows, and Flush before the transaction commits.
//
// Rows are written in the order they were added, with the same outcome as
// one INSERT each. On PostgreSQL a plain insert (no Conflict) is a COPY,
// which costs both sides less than an INSERT's parameters. (PostgreSQL refuses one statement that updates the same
// row twice; a Batch sends a row whose key is pending in the next
// statement, so that the later row wins, as it would on its own.)
type Batch struct {
	tx       *Tx
	ins      Insert
	per      int       // rows per full statement
	full     *sql.Stmt // prepared for per rows, on first use (SQLite)
	fullSQL  string    // the statement for per rows (PostgreSQL)
	args     []any     // the pending rows' values
	n        int       // pending rows
	copying  bool      // a plain insert on PostgreSQL: COPY
	key      []int     // indexes of the Conflict columns, when updating
	keys     map[any]struct{}
	affected int64
}

// Batch starts a batch of rows for ins in the transaction.
func (tx *Tx) Batch(ins Insert) (*Batch, error) {
	if err := ins.check(); err != nil {
		return nil, err
	}
	per := ins.Rows
	copying := tx.dialect == Postgres && len(ins.Conflict) == 0
	switch {
	case per > 0:
	case copying:
		per = 1000
	default:
		per = 250
	}
	if !copying {
		per = max(1, min(per, maxParams/len(ins.Columns)))
	}
	b := &Batch{tx: tx, ins: ins, per: per, copying: copying, args: make([]any, 0, per*len(ins.Columns))}
	if len(ins.Update) > 0 {
		for _, c := range ins.Conflict {
			for i, col := range ins.Columns {
				if col == c {
					b.key = append(b.key, i)
				}
			}
		}
		b.keys = make(map[any]struct{}, per)
	}
	return b, nil
}

// Add adds a row, its values in the order of the Insert's Columns; it
// writes the pending rows when a statement is full.
func (b *Batch) Add(ctx context.Context, values ...any) error {
	if len(values) != len(b.ins.Columns) {
		return fmt.Errorf("store: insert into %s: %d values for %d columns", b.ins.Table, len(values), len(b.ins.Columns))
	}
	if b.keys != nil {
		k, err := b.rowKey(values)
		if err != nil {
			return err
		}
		if _, dup := b.keys[k]; dup {
			if err := b.Flush(ctx); err != nil {
				return err
			}
		}
		b.keys[k] = struct{}{}
	}
	b.args = append(b.args, values...)
	b.n++
	if b.n < b.per {
		return nil
	}
	if b.copying {
		return b.copy(ctx)
	}
	if b.tx.dialect == Postgres {
		// Through the driver's statement cache, which keeps the statement
		// prepared on the connection from one transaction to the next. One
		// prepared per transaction would be planned afresh at each of its
		// first executions (a custom plan, copying the whole statement with
		// its values) before PostgreSQL settles on a generic plan: that
		// cost the server more than writing the rows.
		if b.fullSQL == "" {
			b.fullSQL = b.ins.sql(Postgres, b.per)
		}
		res, err := b.tx.Exec(ctx, b.fullSQL, b.args...)
		return b.done(res, err)
	}
	// SQLite's driver caches nothing: prepare once per batch.
	if b.full == nil {
		stmt, err := b.tx.Prepare(ctx, b.ins.sql(b.tx.dialect, b.per))
		if err != nil {
			return fmt.Errorf("store: insert into %s: %w", b.ins.Table, err)
		}
		b.full = stmt
	}
	res, err := b.full.ExecContext(ctx, b.args...)
	return b.done(res, err)
}

// Flush writes the pending rows.
func (b *Batch) Flush(ctx context.Context) error {
	if b.n == 0 {
		return nil
	}
	if b.copying {
		return b.copy(ctx)
	}
	res, err := b.tx.Exec(ctx, b.ins.sql(b.tx.dialect, b.n), b.args...)
	return b.done(res, err)
}

// copy writes the pending rows with PostgreSQL's COPY, on the
// transaction's connection.
func (b *Batch) copy(ctx context.Context) error {
	var n int64
	err := b.tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("not a pgx connection (%T)", dc)
		}
		var err error
		n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{b.ins.Table}, b.ins.Columns, &pendingRows{args: b.args, width: len(b.ins.Columns)})
		return err
	})
	return b.done(copied(n), err)
}

// pendingRows hands a Batch's pending rows to COPY.
type pendingRows struct {
	args  []any
	width int
	row   []any
}

func (r *pendingRows) Next() bool {
	if len(r.args) == 0 {
		return false
	}
	r.row, r.args = r.args[:r.width], r.args[r.width:]
	return true
}

func (r *pendingRows) Values() ([]any, error) { return r.row, nil }
func (r *pendingRows) Err() error             { return nil }

// copied is the result of a COPY.
type copied int64

func (n copied) LastInsertId() (int64, error) {
	return 0, errors.New("store: no LastInsertId after COPY")
}
func (n copied) RowsAffected() (int64, error) { return int64(n), nil }

func (b *Batch) done(res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("store: insert into %s: %w", b.ins.Table, err)
	}
	if n, err := res.RowsAffected(); err == nil {
		b.affected += n
	}
	clear(b.args) // let the values go
	b.args = b.args[:0]
	b.n = 0
	clear(b.keys)
	return nil
}

// Affected returns the number of rows written so far: inserted or updated,
// not those left as they were.
func (b *Batch) Affected() int64 { return b.affected }

// rowKey returns a comparable value standing for a row's Conflict key, as
// the database compares it.
func (b *Batch) rowKey(values []any) (any, error) {
	part := func(v any) (any, error) {
		v, err := driver.DefaultParameterConverter.ConvertValue(v)
		if err != nil {
			return nil, fmt.Errorf("store: insert into %s: %w", b.ins.Table, err)
		}
		switch x := v.(type) {
		case []byte:
			v = string(x)
		case time.Time:
			v = x.UnixMicro() // the instant, as stored
		}
		return v, nil
	}
	if len(b.key) == 1 {
		return part(values[b.key[0]])
	}
	var s strings.Builder
	for _, i := range b.key {
		v, err := part(values[i])
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&s, "%T:%v\x00", v, v)
	}
	return s.String(), nil
}
