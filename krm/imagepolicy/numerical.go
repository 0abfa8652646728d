package imagepolicy

import (
	"fmt"
	"strconv"
)

// numerical picks the largest (Asc) or smallest (Desc) number; on equal
// numbers the candidate later in the input wins. Every candidate must parse.
func (s *Selector) numerical(cands []candidate) (*candidate, error) {
	var best *candidate
	var bestPos int
	var bestVal float64
	for i := range cands {
		c := &cands[i]
		v, err := strconv.ParseFloat(c.value, 64)
		if err != nil {
			if c.value == c.tag {
				return nil, fmt.Errorf("policy.numerical: tag %q: %w", c.tag, ErrNotNumeric)
			}
			return nil, fmt.Errorf("policy.numerical: tag %q: extracted value %q: %w", c.tag, c.value, ErrNotNumeric)
		}
		better := best == nil ||
			(s.order == Asc && v > bestVal) || (s.order == Desc && v < bestVal) ||
			(v == bestVal && c.pos > bestPos)
		if better {
			best, bestVal, bestPos = c, v, c.pos
		}
	}
	return best, nil
}
