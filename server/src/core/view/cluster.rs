//! Clusters of the observed graph, for an overview where the catalog says
//! nothing about how services belong together: Louvain's method (Blondel et
//! al. 2008), which moves each node to the neighbouring community that most
//! raises modularity, then folds communities into nodes and starts again
//! until nothing moves. Calls count once per pair of services, whatever
//! their traffic, so a cluster is a neighbourhood of the call structure and
//! does not follow one busy edge from minute to minute.
//!
//! Deterministic: nodes are visited in a fixed shuffled order (in the order
//! given, a ring of services would snowball into a few huge arcs) and ties
//! keep the earlier community, so the same graph always clusters the same way.

/// Passes over the nodes of one level at most; Louvain settles in a few.
const MAX_PASSES: usize = 32;
/// A move must gain more than rounding noise.
const MIN_GAIN: f64 = 1e-12;

/// The community of each of `nodes` nodes, numbered from 0 in the order of
/// their first member, for undirected `edges` between node indexes
/// (duplicates and self-calls are ignored).
pub fn communities(nodes: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut pairs: Vec<(usize, usize)> =
        edges.iter().filter(|(a, b)| a != b && *a < nodes && *b < nodes).map(|&(a, b)| (a.min(b), a.max(b))).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut level = Level::new(nodes, pairs.iter().map(|&(a, b)| (a, b, 1.0)));
    let mut membership: Vec<usize> = (0..nodes).collect();
    loop {
        let (moved, count) = level.local_moving();
        if count == level.len() {
            return membership;
        }
        for community in &mut membership {
            *community = moved[*community];
        }
        level = level.folded(&moved, count);
    }
}

/// One level of the method: a weighted undirected graph whose nodes are the
/// communities of the level below.
struct Level {
    /// Neighbours and the weight of the calls between, both ways.
    adjacent: Vec<Vec<(usize, f64)>>,
    /// Twice the weight of the calls inside each node (its folded community).
    inside: Vec<f64>,
}

impl Level {
    fn new(nodes: usize, edges: impl Iterator<Item = (usize, usize, f64)>) -> Level {
        let mut adjacent = vec![Vec::new(); nodes];
        for (a, b, weight) in edges {
            adjacent[a].push((b, weight));
            adjacent[b].push((a, weight));
        }
        Level { adjacent, inside: vec![0.0; nodes] }
    }

    fn len(&self) -> usize {
        self.adjacent.len()
    }

    fn degree(&self, node: usize) -> f64 {
        self.inside[node] + self.adjacent[node].iter().map(|(_, w)| w).sum::<f64>()
    }

    /// Moves nodes between communities while modularity rises; the community
    /// of each node, renumbered from 0, and how many there are.
    fn local_moving(&self) -> (Vec<usize>, usize) {
        let n = self.len();
        let degree: Vec<f64> = (0..n).map(|i| self.degree(i)).collect();
        let twice_total: f64 = degree.iter().sum();
        let mut community: Vec<usize> = (0..n).collect();
        if twice_total == 0.0 {
            return (community, n);
        }
        let mut total = degree.clone(); // each community's degree
        let mut weight_to = vec![0.0; n]; // scratch: a node's weight to each community
        let mut touched: Vec<usize> = Vec::new();
        let order = shuffled(n);
        for _ in 0..MAX_PASSES {
            let mut moves = 0;
            for &node in &order {
                let own = community[node];
                for &(next, weight) in &self.adjacent[node] {
                    let c = community[next];
                    if weight_to[c] == 0.0 {
                        touched.push(c);
                    }
                    weight_to[c] += weight;
                }
                total[own] -= degree[node];
                let gain = |c: usize| weight_to[c] - total[c] * degree[node] / twice_total;
                let mut best = (own, gain(own));
                for &c in &touched {
                    let g = gain(c);
                    if g > best.1 + MIN_GAIN {
                        best = (c, g);
                    }
                }
                total[best.0] += degree[node];
                if best.0 != own {
                    community[node] = best.0;
                    moves += 1;
                }
                for c in touched.drain(..) {
                    weight_to[c] = 0.0;
                }
            }
            if moves == 0 {
                break;
            }
        }
        let mut number = vec![usize::MAX; n];
        let mut count = 0;
        for c in &mut community {
            if number[*c] == usize::MAX {
                number[*c] = count;
                count += 1;
            }
            *c = number[*c];
        }
        (community, count)
    }

    /// The next level: one node per community.
    fn folded(&self, community: &[usize], count: usize) -> Level {
        let mut weights: Vec<std::collections::BTreeMap<usize, f64>> = vec![Default::default(); count];
        let mut inside = vec![0.0; count];
        for (node, neighbours) in self.adjacent.iter().enumerate() {
            let c = community[node];
            inside[c] += self.inside[node];
            for &(next, weight) in neighbours {
                match community[next] {
                    same if same == c => inside[c] += weight,
                    other => *weights[c].entry(other).or_default() += weight,
                }
            }
        }
        let adjacent = weights.into_iter().map(|w| w.into_iter().collect()).collect();
        Level { adjacent, inside }
    }
}

/// `0..n` in an order that looks random and is always the same (Fisher–Yates
/// driven by a fixed 64-bit linear congruential generator).
fn shuffled(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in (1..n).rev() {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        order.swap(i, ((state >> 33) % (i as u64 + 1)) as usize);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `k` cliques of `size` nodes, clique `i` joined to clique `i + 1` by one edge.
    fn cliques(k: usize, size: usize) -> Vec<(usize, usize)> {
        let mut edges = Vec::new();
        for c in 0..k {
            let base = c * size;
            for a in 0..size {
                for b in a + 1..size {
                    edges.push((base + a, base + b));
                }
            }
            if c + 1 < k {
                edges.push((base, base + size));
            }
        }
        edges
    }

    #[test]
    fn joined_cliques_are_found_as_they_are() {
        let found = communities(40, &cliques(5, 8));
        for c in 0..5 {
            let members = &found[c * 8..(c + 1) * 8];
            assert!(members.iter().all(|&m| m == members[0]), "clique {c} is one community: {found:?}");
        }
        let mut distinct = found.clone();
        distinct.dedup();
        assert_eq!(distinct, vec![0, 1, 2, 3, 4], "five communities, numbered in order");
    }

    #[test]
    fn a_ring_of_2000_services_falls_into_arcs() {
        // The synthetic organisation's shape: each service calls the next five round the ring.
        let edges: Vec<(usize, usize)> = (0..10_000).map(|i| (i % 2000, (i % 2000 + 1 + i / 2000) % 2000)).collect();
        let found = communities(2000, &edges);
        let count = found.iter().max().map_or(0, |m| m + 1);
        assert!((10..=200).contains(&count), "{count} clusters: an overview, neither one blob nor dust");
        let changes = found.windows(2).filter(|w| w[0] != w[1]).count();
        assert!(changes <= count + 1, "each cluster is an arc of consecutive services ({changes} changes for {count} clusters)");
        assert_eq!(found, communities(2000, &edges), "the same graph clusters the same way");
    }

    #[test]
    fn nodes_without_calls_stay_alone() {
        assert_eq!(communities(3, &[]), vec![0, 1, 2]);
        assert_eq!(communities(4, &[(0, 1), (1, 0), (2, 2), (9, 1)]), vec![0, 0, 1, 2]);
    }
}
