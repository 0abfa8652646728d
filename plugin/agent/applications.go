package agent

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/plugin/status"
)

// SetApplication takes a created or updated Application: the sources it
// declares now are tracked (a new one is stepped at once), those it no
// longer declares are let go, and a new generation fetches its sources
// now. Its status is queued to be written.
func (c *Controller) SetApplication(obj *unstructured.Unstructured) {
	key := KeyOf(obj)
	c.mu.Lock()
	defer c.mu.Unlock()
	if obj.GetDeletionTimestamp() != nil && c.o.Collector != nil && hasFinalizer(obj) {
		c.deleting(key, obj)
		return
	}
	prev := c.apps[key]
	st := &appState{obj: obj, decl: declaredBy(obj), gen: obj.GetGeneration()}
	if prev != nil {
		st.observed, st.waitFor = prev.observed, prev.waitFor
		if prev.gen == st.gen {
			st.decl = prev.decl // the spec did not change: no new parse
		}
	}
	newGen := prev == nil || prev.gen != st.gen
	c.apps[key] = st
	want := map[string]bool{}
	for _, s := range st.decl.roots {
		want[sourceKey(s)] = true
	}
	if prev != nil {
		for _, s := range prev.decl.roots {
			if !want[sourceKey(s)] {
				c.release(key, sourceKey(s))
			}
		}
	}
	if newGen {
		st.waitFor = map[string]int{}
	}
	for _, s := range st.decl.roots {
		sk := sourceKey(s)
		tr := c.sources[sk]
		switch {
		case tr == nil:
			tr = &tracked{src: s, apps: map[string]bool{}}
			c.sources[sk] = tr
			c.queue.Add(item{source: sk})
		case newGen:
			if s != tr.src {
				s := s
				tr.src, tr.pending = s, &s
			}
			tr.pullNow = true
			c.queue.Add(item{source: sk})
		}
		tr.apps[key] = true
		c.cancelCollection(sk)
		if newGen {
			st.waitFor[sk] = tr.steps
		}
	}
	c.statusQueue.Add(item{app: key})
}

// DeleteApplication lets the sources of a deleted Application go. What
// they applied stays in the cluster, unless the Application held the
// agent's Finalizer: then it was collected first (see Finalizer).
func (c *Controller) DeleteApplication(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.apps[key]
	if st == nil {
		return
	}
	delete(c.apps, key)
	for _, col := range c.collect {
		delete(col.apps, key)
	}
	if !st.deleting { // else its sources were let go when its deletion began
		for _, s := range st.decl.roots {
			c.release(key, sourceKey(s))
		}
	}
	if len(c.sources) == 0 {
		c.progress("agent: no Application declares a kustomize source: nothing to watch")
	}
}

// release removes app from the declarers of a source; a source nobody
// declares is dropped, what it applied left in the cluster.
func (c *Controller) release(app, sourceKey string) {
	if tr := c.drop(app, sourceKey); tr != nil {
		c.progress("agent: %s: no Application declares it any more: not watched; what it applied stays in the cluster", tr.src.Name)
	}
}

// drop removes app from the declarers of a source and returns the source
// when nobody declares it any more (it is then dropped).
func (c *Controller) drop(app, sourceKey string) *tracked {
	tr := c.sources[sourceKey]
	if tr == nil {
		return nil
	}
	delete(tr.apps, app)
	if len(tr.apps) > 0 {
		return nil
	}
	delete(c.sources, sourceKey)
	return tr
}

// sourcesOf are the tracked sources of st in component order, with what
// their last step left.
func (c *Controller) sourcesOf(st *appState) ([]source.Declaration, map[int]status.SourceStep, bool) {
	snaps := map[int]status.SourceStep{}
	observed := true
	for _, s := range st.decl.roots {
		tr := c.sources[sourceKey(s)]
		if tr == nil {
			observed = false
			continue
		}
		snaps[s.Index] = tr.last
		if tr.steps <= st.waitFor[sourceKey(s)] {
			observed = false
		}
	}
	return st.decl.roots, snaps, observed
}

// sourceKey is the queue key of a source: its namespace (which holds its
// inventory and Secret), repository, ref and path. Two Applications of one
// namespace declaring the same source share it.
func sourceKey(s source.Declaration) string { return s.Namespace + "|" + s.Key() }
