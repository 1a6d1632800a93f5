//! The cycle of an exchange drawn as inline SVG: the states on a circle, one arrow per
//! handover from giver to receiver. A pure function of the legs; the template writes the
//! elements (no script, no external file, so the page's CSP holds).

/// A state on the drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The party code.
    pub label: String,
    /// Centre.
    pub x: f64,
    /// Centre.
    pub y: f64,
}

/// One handover: from the edge of the giver's circle to the edge of the receiver's.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrow {
    /// Giver's code.
    pub from: String,
    /// Receiver's code.
    pub to: String,
    /// Start.
    pub x1: f64,
    /// Start.
    pub y1: f64,
    /// End (the arrow head).
    pub x2: f64,
    /// End.
    pub y2: f64,
}

/// The whole drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    /// Width and height of the square view box.
    pub size: f64,
    /// Radius of a state's circle.
    pub radius: f64,
    /// The states, in order of first appearance.
    pub nodes: Vec<Node>,
    /// The handovers, in leg order.
    pub arrows: Vec<Arrow>,
    /// The accessible name: "cycle US → RU → US".
    pub title: String,
}

/// Draws the handovers `(giver, receiver)`.
pub fn draw(legs: &[(String, String)]) -> Drawing {
    let mut labels: Vec<String> = Vec::new();
    for (g, r) in legs {
        for p in [g, r] {
            if !labels.contains(p) {
                labels.push(p.clone());
            }
        }
    }
    let (size, radius) = (320.0_f64, 28.0_f64);
    let centre = size / 2.0;
    let ring = centre - radius - 12.0;
    let n = labels.len().max(1) as f64;
    let nodes: Vec<Node> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            // The first state at the top, then clockwise.
            let angle = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n;
            Node {
                label: label.clone(),
                x: round(centre + ring * angle.cos()),
                y: round(centre + ring * angle.sin()),
            }
        })
        .collect();
    let at = |p: &str| nodes.iter().find(|n| n.label == p).expect("drawn");
    let arrows = legs
        .iter()
        .map(|(g, r)| {
            let (a, b) = (at(g), at(r));
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (ux, uy) = (dx / len, dy / len);
            // Shifted to its right, so that the two arrows of a pair do not overlap.
            let (sx, sy) = (-uy * 6.0, ux * 6.0);
            Arrow {
                from: g.clone(),
                to: r.clone(),
                x1: round(a.x + ux * radius + sx),
                y1: round(a.y + uy * radius + sy),
                x2: round(b.x - ux * (radius + 4.0) + sx),
                y2: round(b.y - uy * (radius + 4.0) + sy),
            }
        })
        .collect();
    let mut path: Vec<&str> = legs.iter().map(|(g, _)| g.as_str()).collect();
    if let Some((g, _)) = legs.first() {
        path.push(g);
    }
    Drawing {
        size,
        radius,
        nodes,
        arrows,
        title: format!("cycle {}", path.join(" → ")),
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn legs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_three_state_cycle_has_three_nodes_and_three_arrows_pointing_the_right_way() {
        let d = draw(&legs(&[("US", "RU"), ("RU", "DE"), ("DE", "US")]));
        assert_eq!(d.nodes.len(), 3);
        assert_eq!(d.arrows.len(), 3);
        assert_eq!(d.title, "cycle US → RU → DE → US");
        let node = |p: &str| d.nodes.iter().find(|n| n.label == p).unwrap().clone();
        for a in &d.arrows {
            let (from, to) = (node(&a.from), node(&a.to));
            // The arrow starts next to the giver and ends next to the receiver.
            let dist = |x: f64, y: f64, n: &Node| ((x - n.x).powi(2) + (y - n.y).powi(2)).sqrt();
            assert!(dist(a.x1, a.y1, &from) < dist(a.x1, a.y1, &to));
            assert!(dist(a.x2, a.y2, &to) < dist(a.x2, a.y2, &from));
        }
        // Every node is inside the view box.
        for n in &d.nodes {
            assert!(n.x - d.radius >= 0.0 && n.x + d.radius <= d.size);
            assert!(n.y - d.radius >= 0.0 && n.y + d.radius <= d.size);
        }
    }

    #[test]
    fn a_pair_draws_two_arrows_between_two_states() {
        let d = draw(&legs(&[("US", "RU"), ("RU", "US")]));
        assert_eq!(d.nodes.len(), 2);
        assert_eq!(d.arrows.len(), 2);
        assert_ne!(
            (d.arrows[0].x1, d.arrows[0].y1),
            (d.arrows[1].x1, d.arrows[1].y1)
        );
    }
}
