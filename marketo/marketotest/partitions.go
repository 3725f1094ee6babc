package marketotest

import (
	"fmt"
	"net/http"
	"slices"
)

// partitionPlan is how a call that writes leads treats partitions: which
// one new leads go to, and what a lead it matches may be.
type partitionPlan struct {
	// target is the index of the partition new leads go to; -1 when the
	// call names none the API user may use, refuse saying why.
	target int
	refuse restError
	// strict: a matched lead must be in target (createOnly and
	// createOrUpdate, which name the partition they write to).
	strict bool
	// within: only leads of target match (Config.DedupeWithinPartition).
	within bool
	denied []bool // by partition index
}

// deniedPartitions marks the partitions the API user may not access.
func (s *Server) deniedPartitions(cfg Config) []bool {
	out := make([]bool, len(s.partitions))
	for i, p := range s.partitions {
		out[i] = slices.Contains(cfg.DeniedPartitions, p.name)
	}
	return out
}

// planPartitions resolves a call's partitionName ("" for none). Unknown
// and denied names are answered alike, with 1008: to an API user a
// partition it cannot see does not exist, and Marketo documents no other
// code for a bad name.
func (s *Server) planPartitions(cfg Config, name string, strict bool) partitionPlan {
	p := partitionPlan{strict: strict, within: strict && cfg.DedupeWithinPartition, denied: s.deniedPartitions(cfg)}
	if name == "" {
		if p.denied[0] {
			return p.refused("1009", "Partition name must be specified")
		}
		return p
	}
	for i, part := range s.partitions {
		if part.name == name && !p.denied[i] {
			p.target = i
			return p
		}
	}
	return p.refused("1008", fmt.Sprintf("Access denied to partition '%s'", clip(name)))
}

func (p partitionPlan) refused(code, message string) partitionPlan {
	p.target, p.refuse = -1, restError{code, message}
	return p
}

// candidates narrows the leads a key matched to those the call may match.
// ids is an index slice and is not changed.
func (p partitionPlan) candidates(st *store, ids []int) []int {
	if !p.within || p.target < 0 {
		return ids
	}
	var out []int
	for _, id := range ids {
		if st.partition(id) == p.target {
			out = append(out, id)
		}
	}
	return out
}

// refusal says why the call may not write to the matched lead id, or
// returns ok. A lead in a denied partition is 1008, as error-codes.md
// describes it ("does not have access to a workspace with the partition
// where the record exists"); one in another partition than the call's is
// 1010, "Partition update not allowed: The specified record already exists
// in a separate lead partition".
func (s *Server) refusal(p partitionPlan, st *store, id int) (restError, bool) {
	part := st.partition(id)
	switch {
	case p.denied[part]:
		return restError{"1008", fmt.Sprintf("Access denied to partition '%s'", s.partitions[part].name)}, false
	case p.strict && p.target >= 0 && part != p.target:
		return restError{"1010", "Partition update not allowed"}, false
	}
	return restError{}, true
}

// visible reports whether the API user may see lead id: leads in denied
// partitions are left out of every answer.
func visible(st *store, denied []bool, id int) bool { return !denied[st.partition(id)] }

// leadWorkspace is the workspace of lead id's partition.
func (s *Server) leadWorkspace(st *store, id int) string {
	return s.partitions[st.partition(id)].workspace
}

type partitionJSON struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
}

// partitionsREST answers Get Lead Partitions with the partitions the API
// user may access.
func (s *Server) partitionsREST(r *http.Request, cfg Config) reply {
	if r.Method != http.MethodGet {
		return s.restFail(605, "HTTP Method not supported: Get Lead Partitions is called with GET")
	}
	denied := s.deniedPartitions(cfg)
	out := []partitionJSON{}
	for i, p := range s.partitions {
		if !denied[i] {
			out = append(out, partitionJSON{i + 1, p.name, p.description})
		}
	}
	return jsonReply(http.StatusOK, restEnvelope{RequestID: s.requestID(), Success: true, Result: out})
}
