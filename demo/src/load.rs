//! The load generator: simulated shoppers (not instrumented, so their
//! requests are the graph's `user` node) doing what shoppers do, in this
//! mix: browse 30 %, search 20 %, view a product 30 %, add to cart 14 %,
//! check out 6 %. Every 30 s a crawler bursts past the gateway's rate limit.

use std::time::Duration;

use serde_json::json;

/// One shopper's action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Browse,
    Search,
    View,
    AddToCart,
    Checkout,
}

/// Cumulative weights of the mix, in percent.
const MIX: [(u32, Action); 5] =
    [(30, Action::Browse), (50, Action::Search), (80, Action::View), (94, Action::AddToCart), (100, Action::Checkout)];

const SEARCHES: [&str; 6] = ["lamp", "boot", "jacket", "cup", "office", "headphones"];

/// The action for a draw in `0..100`.
pub fn pick(draw: u32) -> Action {
    MIX.iter().find(|(limit, _)| draw < *limit).map_or(Action::Checkout, |(_, action)| *action)
}

/// Sends `rate` requests a second to the gateway at `base` until cancelled.
pub async fn run(base: String, rate: f64) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_default();
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
    let mut crawler = tokio::time::interval(Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                let (client, base) = (client.clone(), base.clone());
                tokio::spawn(async move { shopper(&client, &base, pick(fastrand::u32(0..100)), fastrand::u32(1..=200)).await });
            }
            _ = crawler.tick() => {
                for _ in 0..25 {
                    let (client, base) = (client.clone(), base.clone());
                    tokio::spawn(async move {
                        let _ = client.get(format!("{base}/api/products?page={}", fastrand::u32(0..6))).header("x-client-id", "crawler").send().await;
                    });
                }
            }
        }
    }
}

async fn shopper(client: &reqwest::Client, base: &str, action: Action, user: u32) {
    let product = fastrand::u32(1..=120);
    let request = match action {
        Action::Browse => client.get(format!("{base}/api/products?page={}", fastrand::u32(0..6))),
        Action::Search => client.get(format!("{base}/api/search?q={}", SEARCHES[fastrand::usize(..SEARCHES.len())])),
        Action::View => client.get(format!("{base}/api/products/{product}")),
        Action::AddToCart => client
            .post(format!("{base}/api/cart/items"))
            .json(&json!({ "user_id": user, "product_id": product, "quantity": fastrand::u32(1..=3) })),
        Action::Checkout => {
            // Something in the cart first, as a shopper would have.
            let _ = client
                .post(format!("{base}/api/cart/items"))
                .header("x-client-id", format!("shopper-{user}"))
                .json(&json!({ "user_id": user, "product_id": product, "quantity": 1 }))
                .send()
                .await;
            client.post(format!("{base}/api/checkout")).json(&json!({ "user_id": user }))
        }
    };
    let _ = request.header("x-client-id", format!("shopper-{user}")).header("x-user-id", user.to_string()).send().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_has_the_documented_shares() {
        let count = |action| (0..100).filter(|&d| pick(d) == action).count();
        assert_eq!([Action::Browse, Action::Search, Action::View, Action::AddToCart, Action::Checkout].map(count), [30, 20, 30, 14, 6]);
    }
}
