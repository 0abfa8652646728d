package apply

import (
	"fmt"
	"strings"
)

// unifiedDiff returns a unified diff of two texts, with context lines of
// context around each change, or "" when they are equal. The headers name
// the two sides fromName and toName.
func unifiedDiff(fromName, toName, from, to string, context int) string {
	a, b := splitLines(from), splitLines(to)
	ops := diffLines(a, b)
	var out strings.Builder
	// Group the edit script into hunks.
	for i := 0; i < len(ops); {
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(i-context, 0)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != ' ' {
				end = j
			} else if j-end > 2*context {
				break
			}
		}
		end = min(end+context+1, len(ops))
		if out.Len() == 0 {
			fmt.Fprintf(&out, "--- %s\n+++ %s\n", fromName, toName)
		}
		aStart, bStart := ops[start].a, ops[start].b
		aLen, bLen := 0, 0
		var body strings.Builder
		for _, op := range ops[start:end] {
			switch op.kind {
			case ' ':
				aLen++
				bLen++
				body.WriteString(" " + a[op.a] + "\n")
			case '-':
				aLen++
				body.WriteString("-" + a[op.a] + "\n")
			case '+':
				bLen++
				body.WriteString("+" + b[op.b] + "\n")
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n%s", hunkRange(aStart, aLen), hunkRange(bStart, bLen), body.String())
		i = end
	}
	return out.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// lineOp is one step of an edit script: keep (' '), delete ('-') or insert
// ('+'); a and b are the line indexes it stands at in each text.
type lineOp struct {
	kind byte
	a, b int
}

// diffLines computes a shortest edit script through the longest common
// subsequence table; the texts compared here are single objects, small
// enough for the quadratic table.
func diffLines(a, b []string) []lineOp {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []lineOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, lineOp{' ', i, j})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] > lcs[i+1][j]):
			ops = append(ops, lineOp{'+', i, j})
			j++
		default:
			ops = append(ops, lineOp{'-', i, j})
			i++
		}
	}
	return ops
}
