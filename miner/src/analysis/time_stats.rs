//! Summary statistics of a set of durations, as pandas computes them (median averages the two
//! middle values; stdev is the sample deviation, undefined for one observation).

use serde::Serialize;

/// Statistics of durations in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Durations {
    pub count: u64,
    pub mean: f64,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub sum: f64,
    /// Sample standard deviation; `None` for fewer than two observations.
    pub stdev: Option<f64>,
}

impl Durations {
    /// Statistics of `micros` (durations in microseconds); reorders the slice. `None` when
    /// it is empty.
    pub fn from_micros(micros: &mut [i64]) -> Option<Durations> {
        let count = micros.len();
        let seconds = |value: i64| value as f64 / 1e6;
        let min = *micros.iter().min()?;
        let max = *micros.iter().max()?;
        // Sum in integers: exact, so the mean is as precise as f64 allows.
        let sum_micros: i128 = micros.iter().map(|&value| i128::from(value)).sum();
        let sum = sum_micros as f64 / 1e6;
        let mean = sum / count as f64;
        // Selecting the middle is linear; sorting every edge's waits was most of a DFG.
        let (below, &mut upper, _) = micros.select_nth_unstable(count / 2);
        let median = match below.iter().max() {
            Some(&lower) if count.is_multiple_of(2) => (seconds(lower) + seconds(upper)) / 2.0,
            _ => seconds(upper),
        };
        let stdev = (count > 1).then(|| {
            let squares: f64 = micros
                .iter()
                .map(|&value| (seconds(value) - mean).powi(2))
                .sum();
            (squares / (count - 1) as f64).sqrt()
        });
        Some(Durations {
            count: count as u64,
            mean,
            median,
            min: seconds(min),
            max: seconds(max),
            sum,
            stdev,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_sample_stdev() {
        let stats =
            Durations::from_micros(&mut [4_000_000, 1_000_000, 3_000_000, 2_000_000]).unwrap();
        assert_eq!(stats.median, 2.5);
        assert_eq!(stats.mean, 2.5);
        assert_eq!(stats.sum, 10.0);
        // Sample variance of 1..4 is 5/3.
        assert!((stats.stdev.unwrap() - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        let single = Durations::from_micros(&mut [7]).unwrap();
        assert_eq!(single.stdev, None);
        assert!(Durations::from_micros(&mut []).is_none());
    }

    proptest::proptest! {
        #[test]
        fn median_min_and_max_equal_the_sorted_values(
            mut micros in proptest::collection::vec(-50i64..50, 1..40)
        ) {
            let mut sorted = micros.clone();
            sorted.sort_unstable();
            let count = sorted.len();
            let middle = if count % 2 == 1 {
                sorted[count / 2] as f64
            } else {
                (sorted[count / 2 - 1] + sorted[count / 2]) as f64 / 2.0
            };
            let stats = Durations::from_micros(&mut micros).unwrap();
            proptest::prop_assert!((stats.median - middle / 1e6).abs() < 1e-15);
            proptest::prop_assert_eq!(stats.min, sorted[0] as f64 / 1e6);
            proptest::prop_assert_eq!(stats.max, sorted[count - 1] as f64 / 1e6);
        }
    }
}
