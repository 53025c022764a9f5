//! Decimal text to the nearest `f64`, exactly (round half to even), as the
//! server reads it (serde_json's `float_roundtrip`) and as Rust's own
//! `str::parse` does, in a few hundred bytes of WebAssembly: Rust's parser
//! and serde_json's exact one each carry kilobytes of tables, and serde_json's
//! small one is off by an ulp on many 17-digit coordinates, so a location
//! read back from the phone's log could differ from the one saved.
//!
//! Two paths: Clinger's (at most 2^53 and a power of ten at most 10^22: one
//! correctly rounded IEEE operation on exact operands), else long division
//! of big integers for a quotient of 63 or 64 bits, rounded with its
//! remainder as the sticky bit.

/// The number is too large for an `f64` (serde_json refuses it too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange;

/// Digits kept: 767 significant digits decide the rounding of any `f64`;
/// past this many, the rest only say whether anything non-zero follows.
const MAX_DIGITS: usize = 800;

/// A number's parts as the grammar found them (all ASCII digits).
pub struct Parts<'a> {
    pub negative: bool,
    pub integer: &'a [u8],
    pub fraction: &'a [u8],
    /// The written exponent, already known to fit an `i32`.
    pub exponent: i32,
}

/// The nearest `f64` to the parts' value.
pub fn to_f64(parts: &Parts) -> Result<f64, OutOfRange> {
    let magnitude = magnitude(parts)?;
    Ok(if parts.negative {
        -magnitude
    } else {
        magnitude
    })
}

fn magnitude(parts: &Parts) -> Result<f64, OutOfRange> {
    // Significant digits: leading zeros of the integer part and of the
    // fraction (when the integer part is all zeros) say nothing.
    let all = parts.integer.iter().chain(parts.fraction);
    let leading = all.clone().take_while(|d| **d == b'0').count();
    let digits: Vec<u8> = all.skip(leading).copied().collect();
    // The exponent of the last digit kept.
    let mut exponent = i64::from(parts.exponent) - parts.fraction.len() as i64;
    let trimmed = digits.iter().rposition(|d| *d != b'0').map_or(0, |i| i + 1);
    if trimmed == 0 {
        return Ok(0.0);
    }
    exponent += (digits.len() - trimmed) as i64;
    let mut digits = digits;
    digits.truncate(trimmed);
    if digits.len() > MAX_DIGITS {
        // Non-zero digits follow (the last digit is non-zero): a 1 in the
        // next place rounds as they do.
        exponent += (digits.len() - MAX_DIGITS - 1) as i64;
        digits.truncate(MAX_DIGITS);
        digits.push(b'1');
    }
    // 10^(n-1) <= value < 10^n.
    let n = digits.len() as i64 + exponent;
    if n > 310 {
        return Err(OutOfRange);
    }
    if n < -325 {
        // Below half the smallest subnormal (4.9e-324).
        return Ok(0.0);
    }
    if digits.len() <= 15 && exponent.unsigned_abs() <= 22 {
        let mantissa = digits
            .iter()
            .fold(0u64, |m, d| m * 10 + u64::from(d - b'0'));
        let power = exact_power_of_ten(exponent.unsigned_abs());
        return Ok(if exponent < 0 {
            mantissa as f64 / power
        } else {
            mantissa as f64 * power
        });
    }
    slow(&digits, exponent)
}

/// 10^n for n <= 22, each exact in an `f64`.
fn exact_power_of_ten(n: u64) -> f64 {
    (0..n).fold(1.0, |p, _| p * 10.0)
}

/// `digits` x 10^exponent by long division.
fn slow(digits: &[u8], exponent: i64) -> Result<f64, OutOfRange> {
    let mut num = Big::from_digits(digits);
    let mut den = Big::one();
    let scale = if exponent < 0 { &mut den } else { &mut num };
    for _ in 0..exponent.unsigned_abs() {
        scale.mul_small(10);
    }
    // Shift so the quotient has 63 or 64 bits: value = q x 2^-shift.
    let shift = 63 + den.bits() as i64 - num.bits() as i64;
    if shift >= 0 {
        num.shl(shift as usize);
    } else {
        den.shl(shift.unsigned_abs() as usize);
    }
    let (quotient, sticky) = num.div(&den, 64);
    round(quotient, sticky, shift)
}

/// The `f64` nearest `(q + f) x 2^-shift` (`sticky`: f > 0), q of 63 or 64 bits.
fn round(q: u64, sticky: bool, shift: i64) -> Result<f64, OutOfRange> {
    let q_bits = 64 - i64::from(q.leading_zeros());
    // Exponents of the top bit and of the last bit the result can keep.
    let top = q_bits - 1 - shift;
    let ulp = (top - 52).max(-1074);
    let drop = (ulp + shift) as u32;
    let wide = u128::from(q);
    let mut mantissa = (wide >> drop.min(127)) as u64;
    let rest = wide & ((1u128 << drop.min(127)) - 1);
    let half = 1u128 << (drop.min(127) - 1);
    if rest > half || (rest == half && (sticky || mantissa & 1 == 1)) {
        mantissa += 1;
    }
    const HIDDEN: u64 = 1 << 52;
    if mantissa < HIDDEN {
        // Subnormal (or zero): the exponent field is 0.
        return Ok(f64::from_bits(mantissa));
    }
    let mut biased = ulp + 52 + 1023;
    if mantissa == HIDDEN << 1 {
        mantissa = HIDDEN;
        biased += 1;
    }
    if biased >= 2047 {
        return Err(OutOfRange);
    }
    Ok(f64::from_bits(
        ((biased as u64) << 52) | (mantissa - HIDDEN),
    ))
}

/// An unsigned big integer, little-endian 32-bit limbs.
struct Big(Vec<u32>);

impl Big {
    fn one() -> Self {
        Big(vec![1])
    }

    fn from_digits(digits: &[u8]) -> Self {
        let mut big = Big(vec![0]);
        for d in digits {
            big.mul_small(10);
            big.add_small(u32::from(d - b'0'));
        }
        big
    }

    fn mul_small(&mut self, by: u32) {
        let mut carry = 0u64;
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(by) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn add_small(&mut self, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            if carry == 0 {
                return;
            }
            let v = u64::from(*limb) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.0.push(carry as u32);
        }
    }

    fn bits(&self) -> usize {
        let top = self.0.iter().rposition(|l| *l != 0).unwrap_or(0);
        let limb = self.0.get(top).copied().unwrap_or(0);
        top * 32 + (32 - limb.leading_zeros() as usize)
    }

    fn shl(&mut self, by: usize) {
        let (limbs, bits) = (by / 32, by % 32);
        if bits > 0 {
            let mut carry = 0u32;
            for limb in &mut self.0 {
                let next = *limb >> (32 - bits);
                *limb = (*limb << bits) | carry;
                carry = next;
            }
            if carry > 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, std::iter::repeat_n(0, limbs));
    }

    fn shr1(&mut self) {
        let mut carry = 0u32;
        for limb in self.0.iter_mut().rev() {
            let next = *limb << 31;
            *limb = (*limb >> 1) | carry;
            carry = next;
        }
    }

    fn limb(&self, i: usize) -> u32 {
        self.0.get(i).copied().unwrap_or(0)
    }

    fn at_least(&self, other: &Big) -> bool {
        let len = self.0.len().max(other.0.len());
        for i in (0..len).rev() {
            let (a, b) = (self.limb(i), other.limb(i));
            if a != b {
                return a > b;
            }
        }
        true
    }

    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let v = i64::from(*limb) - i64::from(other.limb(i)) - borrow;
            borrow = i64::from(v < 0);
            *limb = v.rem_euclid(1 << 32) as u32;
        }
    }

    /// `self / den` when the quotient is below 2^bits, and whether a
    /// remainder is left.
    fn div(mut self, den: &Big, bits: u32) -> (u64, bool) {
        let mut step = Big(den.0.clone());
        step.shl(bits as usize - 1);
        let mut q = 0u64;
        for i in (0..bits).rev() {
            if self.at_least(&step) {
                self.sub(&step);
                q |= 1 << i;
            }
            step.shr1();
        }
        (q, self.0.iter().any(|l| *l != 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Splits valid number text (as the reader's grammar accepts it).
    fn parse(text: &str) -> Result<f64, OutOfRange> {
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], rest[i + 1..].parse::<i32>().unwrap()),
            None => (rest, 0),
        };
        let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        to_f64(&Parts {
            negative,
            integer: integer.as_bytes(),
            fraction: fraction.as_bytes(),
            exponent,
        })
    }

    fn std_parse(text: &str) -> Result<f64, OutOfRange> {
        let f: f64 = text.parse().unwrap();
        if f.is_infinite() {
            Err(OutOfRange)
        } else {
            Ok(f)
        }
    }

    fn same(text: &str) {
        let ours = parse(text).map(f64::to_bits);
        let std = std_parse(text).map(f64::to_bits);
        assert_eq!(ours, std, "{text}");
    }

    #[test]
    fn edges_of_the_range_and_of_rounding() {
        for text in [
            "0",
            "-0",
            "0.0",
            "1",
            "0.1",
            "0.3",
            "1e22",
            "1e23",
            "9007199254740993",
            "9007199254740992.5",
            "123456789012345678901234567890",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "1.8e308",
            "1e309",
            "2.2250738585072011e-308",
            "2.2250738585072014e-308",
            "4.9e-324",
            "5e-324",
            "2.4703282292062327e-324",
            "2.4703282292062328e-324",
            "2e-324",
            "1e-400",
            "0.000000000000000000000000000000000000000001",
            "51.50735123456789",
            "-0.12775829999999999",
            "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124",
            "1.00000000000000011102230246251565404236316680908203126",
        ] {
            same(text);
        }
        // Far more digits than decide the rounding, with a tail past them.
        let long = format!("1.{}1e-10", "0".repeat(1200));
        same(&long);
        let halfway = format!("9007199254740993{}e-1000", "0".repeat(1000));
        same(&halfway);
    }

    proptest! {
        #[test]
        fn every_f64_reads_back_as_itself(bits in any::<u64>()) {
            let f = f64::from_bits(bits);
            prop_assume!(f.is_finite());
            for text in [format!("{f:e}"), format!("{f:?}"), format!("{f}")] {
                prop_assert_eq!(parse(&text).map(f64::to_bits), Ok(f.to_bits()), "{}", text);
            }
        }

        #[test]
        fn any_decimal_rounds_as_std_does(
            integer in "[0-9]{1,30}",
            fraction in "[0-9]{0,30}",
            exponent in -400i32..400,
        ) {
            let text = if fraction.is_empty() {
                format!("{integer}e{exponent}")
            } else {
                format!("{integer}.{fraction}e{exponent}")
            };
            let ours = parse(&text).map(f64::to_bits);
            prop_assert_eq!(ours, std_parse(&text).map(f64::to_bits), "{}", text);
        }
    }
}
