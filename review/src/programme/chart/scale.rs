//! The value axis: round steps from 0 to at least the highest bar.

/// How many steps the value axis aims for.
const TICKS: f64 = 5.0;

/// The value axis: 0 to `max` in steps of `step`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub max: f64,
    pub step: f64,
    /// Places the tick labels need (`0.2` needs 1).
    pub decimals: u32,
}

impl Scale {
    pub fn ticks(&self) -> Vec<f64> {
        let n = (self.max / self.step).round() as usize;
        (0..=n).map(|i| i as f64 * self.step).collect()
    }
}

/// A scale whose ticks are round numbers (1, 2, 2.5 or 5 times a power of
/// ten) reaching at least `top` in about five steps. Counts (`whole`) never
/// get fractional steps. An empty or zero chart still gets 0 to 1, so the
/// axis reads as "nothing" rather than dividing by zero.
pub fn nice_scale(top: f64, whole: bool) -> Scale {
    let top = if top.is_finite() && top > 0.0 {
        top
    } else {
        1.0
    };
    let raw = top / TICKS;
    let magnitude = 10f64.powf(raw.log10().floor());
    let candidates: &[f64] = if whole && magnitude < 10.0 {
        // 2.5 is not a whole step at magnitudes 1 (2.5) and below.
        &[1.0, 2.0, 5.0, 10.0]
    } else {
        &[1.0, 2.0, 2.5, 5.0, 10.0]
    };
    let nice = candidates
        .iter()
        .copied()
        .find(|c| c * magnitude >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0);
    let mut step = nice * magnitude;
    if whole {
        step = step.round().max(1.0);
    }
    let max = (top / step - 1e-9).ceil().max(1.0) * step;
    Scale {
        max,
        step,
        decimals: places(step),
    }
}

/// The decimal places `step` needs to be written exactly (at most 6).
fn places(step: f64) -> u32 {
    (0..6)
        .find(|d| {
            let scaled = step * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_end_on_round_numbers() {
        let s = nice_scale(412.0, true);
        assert_eq!((s.max, s.step, s.decimals), (500.0, 100.0, 0));
        assert_eq!(s.ticks(), [0.0, 100.0, 200.0, 300.0, 400.0, 500.0]);
        let s = nice_scale(7.0, true);
        assert_eq!((s.max, s.step), (8.0, 2.0));
        let s = nice_scale(1200.0, true);
        assert_eq!((s.max, s.step), (1250.0, 250.0));
        let s = nice_scale(100.0, true);
        assert_eq!((s.max, s.step), (100.0, 20.0));
    }

    #[test]
    fn counts_never_get_fractional_ticks() {
        for top in [1.0, 2.0, 3.0, 4.0, 6.0, 11.0, 13.0] {
            let s = nice_scale(top, true);
            assert_eq!(s.step.fract(), 0.0, "top {top}");
            assert!(s.max >= top && s.max <= top * 2.0 + 1.0, "top {top}: {s:?}");
            assert_eq!(s.decimals, 0);
        }
        let s = nice_scale(3.0, true);
        assert_eq!((s.max, s.step), (3.0, 1.0));
    }

    #[test]
    fn hours_get_decimal_ticks_when_small() {
        let s = nice_scale(0.78, false);
        assert!(
            (s.step - 0.2).abs() < 1e-9 && (s.max - 0.8).abs() < 1e-9,
            "{s:?}"
        );
        assert_eq!(s.decimals, 1);
        let s = nice_scale(11.0, false);
        assert_eq!((s.max, s.step, s.decimals), (12.5, 2.5, 1));
    }

    #[test]
    fn empty_and_zero_charts_get_a_unit_axis() {
        for top in [0.0, -3.0, f64::NAN, f64::INFINITY] {
            let s = nice_scale(top, true);
            assert_eq!((s.max, s.step), (1.0, 1.0));
        }
    }
}
