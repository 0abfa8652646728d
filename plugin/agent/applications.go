package agent

import (
	"fmt"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/oamgitops/kubectl-gitops/plugin/source"
	"github.com/oamgitops/kubectl-gitops/plugin/status"
)

// SetApplication takes a created or updated Application: the sources it
// declares now are tracked (a new one is stepped at once), those it no
// longer declares are let go, and a new generation fetches its sources
// now. Its status is queued to be written.
func (c *Controller) SetApplication(obj *unstructured.Unstructured) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setApplication(obj)
	c.resetRefused()
}

// setApplication is SetApplication with c.mu held.
func (c *Controller) setApplication(obj *unstructured.Unstructured) {
	key := KeyOf(obj)
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
		if err := c.conflict(tr, key, s); err != nil {
			// Refused, not merged: the source keeps the settings it is
			// synced with, and this Application's component says why.
			if st.refused == nil {
				st.refused = map[string]error{}
			}
			st.refused[sk] = err
			if tr.apps[key] {
				c.drop(key, sk)
			}
			tr.refused[key] = true
			continue
		}
		switch {
		case tr == nil:
			tr = &tracked{src: s, apps: map[string]bool{}, refused: map[string]bool{}}
			c.sources[sk] = tr
			if st.waitFor != nil {
				st.waitFor[sk] = 0 // a new source: its first step is news
			}
			c.queue.Add(item{source: sk})
		case newGen:
			next := s
			if s.Name != tr.src.Name {
				// Declared by another Application too: the source keeps the
				// name its inventory was written under.
				next = tr.src.WithSettingsOf(s)
			}
			if next != tr.src {
				tr.src, tr.pending = next, &next
				c.reconsider(tr) // those refused may agree with it now
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
	defer c.resetRefused()
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
	delete(tr.refused, app)
	c.reconsider(tr)
	if len(tr.apps) > 0 {
		return nil
	}
	delete(c.sources, sourceKey)
	return tr
}

// conflict refuses s, which Application app declares, when another
// Application of the namespace declares the same source (repository, ref
// and path: one inventory) with other settings: the source would
// otherwise be synced with whichever declaration came last. Nil when
// nothing else declares it, or when the settings agree.
func (c *Controller) conflict(tr *tracked, app string, s source.Declaration) error {
	if tr == nil || len(tr.apps) == 0 || (len(tr.apps) == 1 && tr.apps[app]) {
		return nil
	}
	field, mine, theirs := source.SettingsDiffer(s, tr.src)
	if field == "" {
		return nil
	}
	other := tr.src.App
	for _, k := range slices.Sorted(maps.Keys(tr.apps)) {
		if k != app {
			other = k
			break
		}
	}
	return fmt.Errorf("%s: source %s is also declared by Application %s with %s %s, not %s: "+
		"one source (repository, ref and path) is synced with one set of settings; make them agree, or declare another path",
		s.Origin, s.Name, other, field, theirs, mine)
}

// reconsider sets again, once the caller's change is done, the
// Applications refused for a conflict with tr: its declarers or settings
// changed, so they may agree now. c.mu is held.
func (c *Controller) reconsider(tr *tracked) {
	for app := range tr.refused {
		c.resetApps = append(c.resetApps, app)
	}
	clear(tr.refused)
}

// resetRefused sets again the Applications reconsider queued. c.mu is
// held; each set may queue others, which are set in turn.
func (c *Controller) resetRefused() {
	for len(c.resetApps) > 0 {
		app := c.resetApps[0]
		c.resetApps = c.resetApps[1:]
		if st := c.apps[app]; st != nil && !st.deleting {
			c.setApplication(st.obj)
		}
	}
}

// sourcesOf are the tracked sources of st in component order, with what
// their last step left.
func (c *Controller) sourcesOf(st *appState) ([]source.Declaration, map[int]status.SourceStep, bool) {
	snaps := map[int]status.SourceStep{}
	observed := true
	roots := slices.Clone(st.decl.roots)
	for i, s := range roots {
		if err := st.refused[sourceKey(s)]; err != nil {
			snaps[s.Index] = status.SourceStep{Stepped: true, Err: err}
			continue
		}
		tr := c.sources[sourceKey(s)]
		if tr == nil {
			observed = false
			continue
		}
		if tr.src.Name != s.Name {
			// Shared with another Application: synced, and its inventory
			// written, under the name of the one that declared it first.
			roots[i].Name = tr.src.Name
		}
		snaps[s.Index] = tr.last
		if tr.steps <= st.waitFor[sourceKey(s)] {
			observed = false
		}
	}
	return roots, snaps, observed
}

// sourceKey is the queue key of a source: its namespace (which holds its
// inventory and Secret), repository, ref and path. Two Applications of one
// namespace declaring the same source share it.
func sourceKey(s source.Declaration) string { return s.Namespace + "|" + s.Key() }
