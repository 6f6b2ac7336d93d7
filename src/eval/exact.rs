//! Exact arithmetic on decimals that never rounds: every operation gives the exact
//! result or `None` (the result does not fit an exact decimal). `rust_decimal`'s own
//! `checked_mul`/`checked_add` round silently when a result has more than 28 decimal
//! places, so comparisons must not rely on them.
//!
//! A quotient that is not an exact decimal is kept as a fraction ([`Frac`]) and
//! compared by cross-multiplying; it is rounded only to be shown to a person.

use rust_decimal::Decimal;
use std::cmp::Ordering;

/// The largest mantissa of a decimal (2^96 − 1).
const MAX_MANTISSA: u128 = 79_228_162_514_264_337_593_543_950_335;
/// The most decimal places a decimal holds.
const MAX_SCALE: u32 = 28;

/// The decimal `m × 10^-s`, dropping trailing zeros where it must to fit; `None`
/// when it cannot be held exactly.
fn fit(mut m: i128, mut s: u32) -> Option<Decimal> {
    while s > MAX_SCALE || m.unsigned_abs() > MAX_MANTISSA {
        if s == 0 || m % 10 != 0 {
            return None;
        }
        m /= 10;
        s -= 1;
    }
    Decimal::try_from_i128_with_scale(m, s).ok()
}

/// `10^k` for every `k` whose power fits an `i128` (`k ≤ 38`). Built when compiling: an
/// index out of range here would stop the build, not a run.
#[allow(clippy::indexing_slicing)]
const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut k = 1;
    while k < 39 {
        t[k] = t[k - 1] * 10;
        k += 1;
    }
    t
};

/// `a × b`, `None` on overflow: one machine multiplication when both fit 64 bits (their
/// product always fits 128), the checked 128-bit one otherwise.
fn times(a: i128, b: i128) -> Option<i128> {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(x), Ok(y)) => Some(i128::from(x) * i128::from(y)),
        _ => a.checked_mul(b),
    }
}

/// `d` without trailing zeros, and zero without a sign: exactly what
/// `Decimal::normalize` gives (the same mantissa, scale and sign), in a few
/// instructions for a mantissa that fits 64 bits (every figure of a cluster).
pub fn norm(d: Decimal) -> Decimal {
    let m = d.mantissa();
    if m == 0 {
        return Decimal::ZERO;
    }
    let mut s = d.scale();
    if s == 0 {
        return d;
    }
    let Ok(mut a) = u64::try_from(m.unsigned_abs()) else {
        return d.normalize();
    };
    if a % 10 != 0 {
        return d;
    }
    while s > 0 && a % 10 == 0 {
        a /= 10;
        s -= 1;
    }
    let a = i128::from(a);
    Decimal::from_i128_with_scale(if m < 0 { -a } else { a }, s)
}

/// Whether `d` is one, however many places it is written with (`1`, `1.00`).
pub fn is_one(d: Decimal) -> bool {
    POW10.get(d.scale() as usize) == Some(&d.mantissa())
}

/// `a` and `b` ordered by value: exactly `a.cmp(&b)`, without its general rescaling
/// when the two are written with the same places or nearly (a mantissa is below
/// 2^96, so nine more places still fit an `i128`).
pub fn order(a: Decimal, b: Decimal) -> Ordering {
    let (sa, sb) = (a.scale(), b.scale());
    let (ma, mb) = (a.mantissa(), b.mantissa());
    let gap = sa.abs_diff(sb);
    match POW10.get(gap as usize) {
        Some(p) if gap <= 9 && sa <= sb => (ma * p).cmp(&mb),
        Some(p) if gap <= 9 => ma.cmp(&(mb * p)),
        _ => a.cmp(&b),
    }
}

/// `a × b` exactly.
pub fn mul(a: Decimal, b: Decimal) -> Option<Decimal> {
    // A factor of one (the denominator of a whole number, mostly): the other factor
    // without trailing zeros, as the product below would give (zero, of either sign,
    // as `0`).
    if is_one(b) {
        return Some(norm(a));
    }
    if is_one(a) {
        return Some(norm(b));
    }
    product(a, b)
}

/// `a × b` exactly, the mantissas multiplied out.
fn product(a: Decimal, b: Decimal) -> Option<Decimal> {
    let (a, b) = (norm(a), norm(b));
    fit(
        times(a.mantissa(), b.mantissa())?,
        a.scale().checked_add(b.scale())?,
    )
}

/// `a + b` exactly.
pub fn add(a: Decimal, b: Decimal) -> Option<Decimal> {
    let s = a.scale().max(b.scale());
    // The mantissa of `d` written with `s` places.
    let at_s = |d: Decimal| {
        times(
            d.mantissa(),
            *POW10.get(s.checked_sub(d.scale())? as usize)?,
        )
    };
    fit(at_s(a)?.checked_add(at_s(b)?)?, s)
}

/// `a − b` exactly.
pub fn sub(a: Decimal, b: Decimal) -> Option<Decimal> {
    add(a, -b)
}

/// `base^n` exactly.
pub fn pow(base: Decimal, n: u32) -> Option<Decimal> {
    let mut acc = Decimal::ONE;
    for _ in 0..n {
        acc = mul(acc, base)?;
    }
    Some(acc)
}

/// The exact quotient `num / den` when it is a decimal.
pub fn exact_div(num: Decimal, den: Decimal) -> Option<Decimal> {
    if den.is_zero() {
        return None;
    }
    let q = num.checked_div(den)?;
    (mul(q, den)? == num).then_some(q)
}

/// `num / den` as [`exact_div`] then [`norm`] give it, without a long division, when
/// both mantissas fit 64 bits (a quotient of a cluster's figures, mostly):
/// `Some(Some(q))`, the quotient without trailing zeros; `Some(None)`, the quotient is
/// no decimal (its reduced denominator has a prime factor other than 2 and 5: 1 / 3);
/// `None`, not answered here (a mantissa too long, a quotient too long to hold), and the
/// caller divides.
fn quick_quotient(num: Decimal, den: Decimal) -> Option<Option<Decimal>> {
    let (n, d) = (num.mantissa(), den.mantissa());
    let (Ok(na), Ok(da)) = (
        u64::try_from(n.unsigned_abs()),
        u64::try_from(d.unsigned_abs()),
    ) else {
        return None;
    };
    if da == 0 {
        return None;
    }
    if na == 0 {
        return Some(Some(Decimal::ZERO));
    }
    // The quotient ends iff the denominator's factors other than 2 and 5 divide the
    // numerator: with `da = rest × 2^twos × 5^fives`, `na / da = (na / rest) / (2^twos ×
    // 5^fives) = (na / rest) × 2^(k−twos) × 5^(k−fives) / 10^k`, k = max(twos, fives).
    // (One division tells, where reducing the fraction first would take a gcd.)
    let twos = da.trailing_zeros();
    let (mut rest, mut fives) = (da >> twos, 0u32);
    while rest % 5 == 0 {
        rest /= 5;
        fives += 1;
    }
    if na % rest != 0 {
        return Some(None);
    }
    let na = na / rest;
    let k = twos.max(fives);
    let m = i128::from(na)
        .checked_mul(2i128.checked_pow(k - twos)?)?
        .checked_mul(5i128.checked_pow(k - fives)?)?;
    let m = if (n < 0) != (d < 0) { -m } else { m };
    // num / den = (n / d) × 10^(den places − num places).
    let places = i64::from(num.scale()) - i64::from(den.scale()) + i64::from(k);
    let q = match u32::try_from(places) {
        Ok(p) => fit(m, p)?,
        Err(_) => fit(
            m.checked_mul(*POW10.get(usize::try_from(-places).ok()?)?)?,
            0,
        )?,
    };
    Some(Some(norm(q)))
}

/// A non-negative integer of any size: base-2^32 digits, least significant first,
/// no leading zero digits. Only for comparing products exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Big(Vec<u32>);

impl Big {
    fn from_u128(mut x: u128) -> Big {
        let mut v = Vec::new();
        while x > 0 {
            v.push((x & 0xffff_ffff) as u32);
            x >>= 32;
        }
        Big(v)
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn trim(mut self) -> Big {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }

    fn mul(&self, o: &Big) -> Big {
        let mut out = vec![0u32; self.0.len() + o.0.len()];
        for (i, &x) in self.0.iter().enumerate() {
            let mut carry: u64 = 0;
            for (j, &y) in o.0.iter().enumerate() {
                if let Some(r) = out.get_mut(i + j) {
                    let t = u64::from(*r) + u64::from(x) * u64::from(y) + carry;
                    *r = (t & 0xffff_ffff) as u32;
                    carry = t >> 32;
                }
            }
            if let Some(r) = out.get_mut(i + o.0.len()) {
                *r = (carry & 0xffff_ffff) as u32;
            }
        }
        Big(out).trim()
    }

    fn mul_small(&self, k: u32) -> Big {
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut carry: u64 = 0;
        for &x in &self.0 {
            let t = u64::from(x) * u64::from(k) + carry;
            out.push((t & 0xffff_ffff) as u32);
            carry = t >> 32;
        }
        if carry > 0 {
            out.push((carry & 0xffff_ffff) as u32);
        }
        Big(out).trim()
    }

    fn cmp(&self, o: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&o.0.len())
            .then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }
}

/// A decimal of any size, `±mag × 10^-scale`, for comparing products exactly
/// however many digits they have.
#[derive(Debug, Clone)]
struct Wide {
    neg: bool,
    mag: Big,
    scale: u32,
}

impl Wide {
    fn of(d: Decimal) -> Wide {
        Wide {
            neg: d.is_sign_negative() && !d.is_zero(),
            mag: Big::from_u128(d.mantissa().unsigned_abs()),
            scale: d.scale(),
        }
    }

    fn mul(&self, o: &Wide) -> Wide {
        let mag = self.mag.mul(&o.mag);
        Wide {
            neg: self.neg != o.neg && !mag.is_zero(),
            mag,
            scale: self.scale.saturating_add(o.scale),
        }
    }

    fn pow(&self, n: u32) -> Wide {
        let mut acc = Wide::of(Decimal::ONE);
        for _ in 0..n {
            acc = acc.mul(self);
        }
        acc
    }

    /// `mag` with `extra` more decimal places (the same value).
    fn widen(&self, extra: u32) -> Big {
        let mut m = self.mag.clone();
        let mut left = extra;
        while left >= 9 {
            m = m.mul_small(1_000_000_000);
            left -= 9;
        }
        for _ in 0..left {
            m = m.mul_small(10);
        }
        m
    }

    fn cmp(&self, o: &Wide) -> Ordering {
        let sign = |w: &Wide| match (w.mag.is_zero(), w.neg) {
            (true, _) => 0,
            (false, true) => -1,
            (false, false) => 1,
        };
        let (sa, so) = (sign(self), sign(o));
        if sa != so || sa == 0 {
            return sa.cmp(&so);
        }
        let s = self.scale.max(o.scale);
        let a = self.widen(s - self.scale);
        let b = o.widen(s - o.scale);
        let mag = a.cmp(&b);
        if sa < 0 {
            mag.reverse()
        } else {
            mag
        }
    }
}

/// `Π termᵢ^nᵢ` as a mantissa and a scale (`m × 10^-scale`), when it fits an `i128`.
fn small_product(terms: &[(Decimal, u32)]) -> Option<(i128, u32)> {
    let (mut m, mut scale) = (1i128, 0u32);
    for &(d, n) in terms {
        for _ in 0..n {
            m = times(m, d.mantissa())?;
            scale = scale.checked_add(d.scale())?;
        }
    }
    Some((m, scale))
}

/// Two products of [`small_product`] compared, when both fit an `i128` at one scale.
/// Most comparisons of a cluster's figures are decided here, without [`Big`] digits.
fn small_cmp(left: &[(Decimal, u32)], right: &[(Decimal, u32)]) -> Option<Ordering> {
    let ((a, sa), (b, sb)) = (small_product(left)?, small_product(right)?);
    let s = sa.max(sb);
    let a = times(a, *POW10.get((s - sa) as usize)?)?;
    let b = times(b, *POW10.get((s - sb) as usize)?)?;
    Some(a.cmp(&b))
}

/// `Π left` compared with `Π right` (each term `dⁿ`), exactly, however large the
/// products: in `i128` when both fit, else in the digits of [`Big`].
fn cmp_terms(left: &[(Decimal, u32)], right: &[(Decimal, u32)]) -> Ordering {
    small_cmp(left, right).unwrap_or_else(|| {
        let product = |terms: &[(Decimal, u32)]| {
            terms.iter().fold(Wide::of(Decimal::ONE), |acc, &(d, n)| {
                acc.mul(&Wide::of(d).pow(n))
            })
        };
        product(left).cmp(&product(right))
    })
}

/// `a × b` compared with `c × d`, exactly, however large the products.
pub fn cmp_products(a: Decimal, b: Decimal, c: Decimal, d: Decimal) -> Ordering {
    cmp_terms(&[(a, 1), (b, 1)], &[(c, 1), (d, 1)])
}

/// `a × bⁿ` compared with `c × dⁿ`, exactly, however large the products.
pub fn cmp_power_products(a: Decimal, b: Decimal, c: Decimal, d: Decimal, n: u32) -> Ordering {
    cmp_terms(&[(a, 1), (b, n)], &[(c, 1), (d, n)])
}

/// `a^na × b^nb` compared with `c^nc × d^nd`, exactly, however large the products.
pub fn cmp_two_powers(
    (a, na): (Decimal, u32),
    (b, nb): (Decimal, u32),
    (c, nc): (Decimal, u32),
    (d, nd): (Decimal, u32),
) -> Ordering {
    cmp_terms(&[(a, na), (b, nb)], &[(c, nc), (d, nd)])
}

/// An exact rational number `num / den`, `den > 0`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frac {
    pub num: Decimal,
    pub den: Decimal,
}

impl Frac {
    pub fn whole(d: Decimal) -> Frac {
        Frac {
            num: d,
            den: Decimal::ONE,
        }
    }

    /// `num / den` with the sign carried by the numerator; `None` when `den` is zero.
    pub fn new(num: Decimal, den: Decimal) -> Option<Frac> {
        if den.is_zero() {
            return None;
        }
        Some(if den.is_sign_negative() {
            Frac {
                num: -num,
                den: -den,
            }
        } else {
            Frac { num, den }
        })
    }

    /// The value as a decimal when it is one exactly.
    pub fn to_decimal(self) -> Option<Decimal> {
        if is_one(self.den) {
            return Some(self.num);
        }
        // A quotient has no written precision: no trailing zeros (`0.774`, not `0.7740`).
        if let Some(q) = quick_quotient(self.num, self.den) {
            return q;
        }
        exact_div(self.num, self.den).map(norm)
    }

    pub fn is_zero(self) -> bool {
        self.num.is_zero()
    }

    pub fn signum(self) -> Ordering {
        if self.num.is_zero() {
            Ordering::Equal
        } else if self.num.is_sign_negative() {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    }

    pub fn negate(self) -> Frac {
        Frac {
            num: -self.num,
            den: self.den,
        }
    }

    pub fn checked_add(self, o: Frac) -> Option<Frac> {
        if order(self.den, o.den) == Ordering::Equal {
            return Some(Frac {
                num: add(self.num, o.num)?,
                den: self.den,
            });
        }
        Frac::new(
            add(mul(self.num, o.den)?, mul(o.num, self.den)?)?,
            mul(self.den, o.den)?,
        )
    }

    pub fn checked_sub(self, o: Frac) -> Option<Frac> {
        self.checked_add(o.negate())
    }

    pub fn checked_mul(self, o: Frac) -> Option<Frac> {
        Frac::new(mul(self.num, o.num)?, mul(self.den, o.den)?)
    }

    /// `self / o`; `None` when `o` is zero or on overflow.
    pub fn checked_div(self, o: Frac) -> Option<Frac> {
        Frac::new(mul(self.num, o.den)?, mul(self.den, o.num)?)
    }

    /// The exact order, by cross-multiplying (both denominators are positive).
    pub fn order(self, o: Frac) -> Ordering {
        if order(self.den, o.den) == Ordering::Equal {
            return order(self.num, o.num);
        }
        cmp_products(self.num, o.den, o.num, self.den)
    }
}

/// `x` shifted `k` places to the right (`x × 10^-k`) as a plain decimal string.
fn shift_right(x: Decimal, k: u32) -> String {
    let neg = x.is_sign_negative();
    let s = x.abs().normalize().to_string();
    let (int, frac) = s.split_once('.').unwrap_or((s.as_str(), ""));
    let digits = format!("{int}{frac}");
    let point = i64::try_from(int.len()).unwrap_or(0) - i64::from(k);
    let body = if point <= 0 {
        let zeros = "0".repeat(usize::try_from(-point).unwrap_or(0));
        format!("0.{zeros}{digits}")
    } else {
        let p = usize::try_from(point).unwrap_or(0);
        let (a, b) = digits.split_at(p.min(digits.len()));
        format!("{a}.{b}")
    };
    let body = body.trim_end_matches('0').trim_end_matches('.');
    if neg {
        format!("-{body}")
    } else {
        body.to_string()
    }
}

/// A fraction for a person: the decimal itself when it is one, otherwise `≈` and the
/// value rounded to four places — or, when that would read 0, to three significant
/// digits, so a value that is not zero is never shown as zero.
pub fn show_frac(f: Frac, show_decimal: impl Fn(Decimal) -> String) -> String {
    if let Some(d) = f.to_decimal() {
        return show_decimal(d);
    }
    let rounded = f.num.checked_div(f.den).map(|q| q.round_dp(4).normalize());
    if let Some(r) = rounded.filter(|r| !r.is_zero()) {
        return format!("≈{r}");
    }
    // Tiny: scale the fraction up by 10^k (exactly, by moving the decimal points)
    // until three significant digits show. The numerator gives up to its scale p, the
    // denominator up to 28 − s (its scale s); a fraction is at least 10^(s−p) / (2^96 − 1),
    // so its digits show by k = p + 27 − s ≤ 55: the bound and the break are never what
    // ends the loop, and the text after it is a guard that is not reached.
    let threshold = Decimal::new(100, 0);
    for k in 1..=2 * MAX_SCALE + 2 {
        let up_num = k.min(f.num.scale());
        let up_den = k - up_num;
        if f.den.scale() + up_den > MAX_SCALE {
            break;
        }
        let mut n = f.num;
        let mut d = f.den;
        if n.set_scale(n.scale() - up_num).is_err() || d.set_scale(d.scale() + up_den).is_err() {
            break;
        }
        // n / d = value × 10^k; with k + 2 more places we see three digits.
        if let Some(q) = n.checked_div(d) {
            let q100 = q.checked_mul(threshold).unwrap_or(q);
            if q100.abs() >= Decimal::ONE {
                return format!("≈{}", shift_right(q.round_sf(3).unwrap_or(q), k));
            }
        }
    }
    if f.signum() == Ordering::Less {
        "≈-0.0000000000000000000000000001".into()
    } else {
        "≈0.0000000000000000000000000001".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    /// The `i128` shortcut of the product comparisons agrees with the digits of [`Big`]
    /// wherever it answers, and answers for the figures of a cluster.
    #[test]
    fn small_products_compare_as_wide_ones() {
        let mut next = crate::xorshift(0x853c_49e6_748f_ea9b);
        let mut answered = 0;
        for i in 0..20_000 {
            let mut pick = || {
                let digits = next() % if i % 2 == 0 { 8 } else { 29 };
                let m =
                    (next() as i128 * (next() >> 2) as i128).rem_euclid(10i128.pow(digits as u32));
                let m = if next().is_multiple_of(4) { -m } else { m };
                Decimal::from_i128_with_scale(m, (next() % 29) as u32)
            };
            let (a, b, c, e) = (pick(), pick(), pick(), pick());
            let (na, nb, nc, ne) = (
                1,
                (next() % 4) as u32,
                1 + (next() % 2) as u32,
                (next() % 4) as u32,
            );
            let left = [(a, na), (b, nb)];
            let right = [(c, nc), (e, ne)];
            let wide = Wide::of(a)
                .pow(na)
                .mul(&Wide::of(b).pow(nb))
                .cmp(&Wide::of(c).pow(nc).mul(&Wide::of(e).pow(ne)));
            if let Some(o) = small_cmp(&left, &right) {
                assert_eq!(o, wide, "{a}^{na}·{b}^{nb} ? {c}^{nc}·{e}^{ne}");
                answered += 1;
            }
            assert_eq!(cmp_two_powers((a, na), (b, nb), (c, nc), (e, ne)), wide);
        }
        assert!(answered > 5_000, "{answered}");
        // Equal values at different scales: 1.50 × 2 = 3.
        assert_eq!(
            small_cmp(&[(d("1.50"), 1), (d("2"), 1)], &[(d("3"), 1)]),
            Some(Ordering::Equal)
        );
    }

    #[test]
    fn trailing_zeros_are_dropped_only_where_a_result_must_fit() {
        // 25·10^-17 × 4·10^-13 = 100·10^-30: two zeros dropped, 28 places left.
        assert_eq!(
            mul(d("0.00000000000000025"), d("0.0000000000004")),
            Some(d("0.0000000000000000000000000001"))
        );
        // Exactly 28 places fit as they are.
        assert_eq!(
            mul(d("0.00000000000001"), d("0.00000000000003")),
            Some(d("0.0000000000000000000000000003"))
        );
        // A mantissa one digit too long, ending in zero: it fits once the zero goes.
        assert_eq!(
            mul(d("7922816251426433759354395033.5"), d("10")),
            Some(Decimal::MAX)
        );
        // Too long and no zero to drop: refused.
        assert_eq!(mul(Decimal::MAX, d("3")), None);
        assert_eq!(mul(d("0.00000000000001"), d("0.000000000000003")), None);
    }

    /// A factor of one gives what the product gives, digit for digit: the same
    /// mantissa, scale and sign.
    #[test]
    fn multiplying_by_one_is_the_product() {
        let mut next = crate::xorshift(0x2545_f491_4f6c_dd1d);
        let ones = [
            d("1"),
            d("1.0"),
            d("1.000"),
            d("1.0000000000000000000000000000"),
        ];
        let parts = |x: Option<Decimal>| x.map(|x| (x.mantissa(), x.scale(), x.is_sign_negative()));
        for i in 0..20_000 {
            let m = (next() as i128 * (next() >> 1) as i128) % 10i128.pow(1 + (i % 28) as u32);
            let m = match i % 5 {
                0 => m * 1000,
                1 => 0,
                2 => -m,
                _ => m,
            };
            let Ok(a) = Decimal::try_from_i128_with_scale(m, (next() % 29) as u32) else {
                continue;
            };
            let a = if i % 7 == 0 { -a } else { a };
            let one = ones[i % ones.len()];
            assert_eq!(parts(mul(a, one)), parts(product(a, one)), "{a} × {one}");
            assert_eq!(parts(mul(one, a)), parts(product(one, a)), "{one} × {a}");
        }
        // Zero, of either sign and any scale, is `0`.
        for z in [d("0"), d("0.000"), -d("0"), -d("0.00")] {
            for one in ones {
                assert_eq!(parts(mul(z, one)), Some((0, 0, false)), "{z:?} × {one}");
                assert_eq!(parts(mul(one, z)), Some((0, 0, false)), "{one} × {z:?}");
            }
        }
    }

    /// Decimals of every size and scale, zeros of both signs, trailing zeros and the
    /// extremes, for comparing the quick paths with `rust_decimal`'s own.
    fn assorted(seed: u64, count: usize) -> Vec<Decimal> {
        let mut next = crate::xorshift(seed);
        let mut out = vec![
            Decimal::ZERO,
            -Decimal::ZERO,
            Decimal::from_i128_with_scale(0, 5),
            -Decimal::from_i128_with_scale(0, 28),
            Decimal::ONE,
            d("1.000"),
            d("-1.0"),
            Decimal::MAX,
            Decimal::MIN,
            d("0.0000000000000000000000000001"),
            d("18446744073709551615"),
            d("18446744073709551616"),
            d("1844674407370955161.50"),
        ];
        for i in 0..count {
            let digits = 1 + (next() % 29) as u32;
            let m = (next() as i128 * (next() >> 1) as i128).rem_euclid(10i128.pow(digits));
            let m = match i % 6 {
                0 => m * 1000,
                1 => m % 100,
                2 => m % 1_000_000 * 10,
                _ => m,
            };
            let m = if next().is_multiple_of(3) { -m } else { m };
            if let Ok(x) = Decimal::try_from_i128_with_scale(m, (next() % 29) as u32) {
                out.push(x);
            }
        }
        out
    }

    /// Mantissa, scale and sign: two decimals the same here print the same.
    fn parts(x: Decimal) -> (i128, u32, bool) {
        (x.mantissa(), x.scale(), x.is_sign_negative())
    }

    #[test]
    fn the_quick_normal_form_is_rust_decimals() {
        for x in assorted(0x9e37_79b9_7f4a_7c15, 20_000) {
            assert_eq!(parts(norm(x)), parts(x.normalize()), "{x:?}");
            assert_eq!(is_one(x), x == Decimal::ONE, "{x:?}");
        }
    }

    #[test]
    fn the_quick_order_is_rust_decimals() {
        let xs = assorted(0xd1b5_4a32_d192_ed03, 3_000);
        for (i, &a) in xs.iter().enumerate() {
            // Each against a few others, and against itself written with more places.
            for &b in xs.iter().skip(i).step_by(97).take(30) {
                assert_eq!(order(a, b), a.cmp(&b), "{a:?} ? {b:?}");
                assert_eq!(order(b, a), b.cmp(&a), "{b:?} ? {a:?}");
            }
            let mut wider = a;
            wider.rescale(a.scale() + 3);
            if wider == a {
                assert_eq!(order(a, wider), Ordering::Equal, "{a:?} ? {wider:?}");
            }
        }
    }

    #[test]
    fn quick_products_are_checked_products() {
        let big = i128::from(i64::MAX);
        let values = [
            0,
            1,
            -1,
            7,
            -12_345,
            big,
            -big - 1,
            big + 1,
            -big - 2,
            1 << 70,
            -(1 << 90),
            i128::MAX,
            i128::MIN,
        ];
        for a in values {
            for b in values {
                assert_eq!(times(a, b), a.checked_mul(b), "{a} × {b}");
            }
        }
    }

    /// The long division, as `Frac::to_decimal` made it before the quick one.
    fn long_quotient(a: Decimal, b: Decimal) -> Option<Decimal> {
        if b.is_zero() {
            None
        } else {
            exact_div(a, b).map(|q| q.normalize())
        }
    }

    /// The quick quotient against the long one: the same decimal where both give one,
    /// no decimal where the long one finds none, and where only the quick one gives a
    /// decimal (the long division gives up on a few that do fit: 10^28 = 0.69… /
    /// 0.000…69…), one that is exactly the quotient.
    fn agrees(a: Decimal, b: Decimal) -> bool {
        let Some(quick) = quick_quotient(a, b) else {
            return false;
        };
        match (quick, long_quotient(a, b)) {
            (Some(q), Some(l)) => assert_eq!(parts(q), parts(l), "{a:?} / {b:?}"),
            (None, long) => assert_eq!(long, None, "{a:?} / {b:?}"),
            (Some(q), None) => {
                assert_eq!(
                    cmp_products(q, b, a, Decimal::ONE),
                    Ordering::Equal,
                    "{a:?} / {b:?}"
                )
            }
        }
        true
    }

    /// Quotients of multiples, of fractions that end (over 2s and 5s) and of fractions
    /// that do not: the quick division answers most and agrees with the long one.
    #[test]
    fn quick_quotients_are_the_long_divisions() {
        let xs = assorted(0x6a09_e667_f3bc_c909, 4_000);
        let (mut asked, mut quick) = (0, 0);
        for (i, &den) in xs.iter().enumerate() {
            for &k in xs.iter().skip(i % 7).step_by(131).take(25) {
                let mut pairs = vec![(k, den), (den, k)];
                // A multiple of `den`'s mantissa, written with other places.
                if let Some(m) = den.mantissa().checked_mul(k.mantissa() % 100_000) {
                    if let Ok(num) = Decimal::try_from_i128_with_scale(m, k.scale()) {
                        pairs.extend([(num, den), (den, num)]);
                    }
                }
                // Small figures over 2^a 5^b times a little more: 7 / 40, 3 / 12.5, 1 / 3.
                let small = (k.mantissa().unsigned_abs() % 1000) as i64 + 1;
                let over = [8, 40, 125, 3, 6, 7, 1250, 96][i % 8] * (1 + (i as i64 % 3));
                pairs.push((
                    Decimal::new(small, k.scale() % 5),
                    Decimal::new(over, den.scale() % 4),
                ));
                for (a, b) in pairs {
                    asked += 1;
                    if agrees(a, b) {
                        quick += 1;
                    }
                    // A fraction over one is its numerator as written.
                    if let Some(f) = Frac::new(a, b) {
                        let before = if f.den == Decimal::ONE {
                            Some(f.num)
                        } else {
                            long_quotient(f.num, f.den)
                        };
                        match before {
                            Some(x) => assert_eq!(f.to_decimal().map(parts), Some(parts(x))),
                            None => assert!(f.to_decimal().is_none_or(|q| {
                                cmp_products(q, f.den, f.num, Decimal::ONE) == Ordering::Equal
                            })),
                        }
                    }
                }
            }
        }
        assert!(quick * 2 > asked, "{quick} of {asked}");
        let q = |a: &str, b: &str| quick_quotient(d(a), d(b)).map(|q| q.map(parts));
        assert_eq!(q("1", "4"), Some(Some(parts(d("0.25")))));
        assert_eq!(q("7", "40"), Some(Some(parts(d("0.175")))));
        assert_eq!(q("1", "3"), Some(None));
        assert_eq!(q("2.5", "7.5"), Some(None));
        assert_eq!(q("3.00", "0.5"), Some(Some(parts(d("6")))));
        assert_eq!(q("-6", "0.02"), Some(Some(parts(d("-300")))));
        assert_eq!(q("0", "-7"), Some(Some(parts(d("0")))));
        assert_eq!(q("1", "0"), None);
        // The denominator's factors other than 2 and 5 divide the numerator: a decimal,
        // found without reducing the fraction (14/35 = 2/5).
        assert_eq!(q("14", "35"), Some(Some(parts(d("0.4")))));
        assert_eq!(q("21", "6"), Some(Some(parts(d("3.5")))));
        assert_eq!(q("6", "4"), Some(Some(parts(d("1.5")))));
        assert_eq!(q("22", "35"), Some(None));
        // 1/2^60 needs 5^60, past an i128: left to the long division.
        assert_eq!(q("1", "1152921504606846976"), None);
    }

    #[test]
    fn powers_are_exact_or_none() {
        assert_eq!(pow(d("1.1"), 0), Some(Decimal::ONE));
        assert_eq!(pow(d("1.1"), 2), Some(d("1.21")));
        assert_eq!(pow(d("-2"), 3), Some(d("-8")));
        assert_eq!(pow(d("0.3"), 29), None);
    }

    /// A small deterministic generator (no dependency on randomness in tests).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 11
        }
    }

    #[test]
    fn products_compare_as_exact_integers_do() {
        // Mantissas below 2^40 and scales up to 6: every product, brought to 12 decimal
        // places, fits a u128, which gives the true order to compare with. The products
        // span several 32-bit digits, so carries and trimming are exercised.
        let mut g = Lcg(7);
        for i in 0..4000 {
            let mut pick = || {
                let m = i128::from(g.next() % (1u64 << 40));
                let m = if i % 7 == 0 { m % 1000 } else { m };
                let s = (g.next() % 7) as u32;
                let neg = g.next().is_multiple_of(5);
                (if neg { -m } else { m }, s)
            };
            let (a, b, c, e) = (pick(), pick(), pick(), pick());
            let dec = |(m, s): (i128, u32)| Decimal::from_i128_with_scale(m, s);
            let exact =
                |(m1, s1): (i128, u32), (m2, s2): (i128, u32)| m1 * m2 * 10i128.pow(12 - s1 - s2);
            let want = exact(a, b).cmp(&exact(c, e));
            assert_eq!(
                cmp_products(dec(a), dec(b), dec(c), dec(e)),
                want,
                "{:?}×{:?} vs {:?}×{:?}",
                dec(a),
                dec(b),
                dec(c),
                dec(e)
            );
            // Equal products written differently compare equal.
            assert_eq!(
                cmp_products(dec(a), dec(b), dec(b), dec(a)),
                Ordering::Equal
            );
        }
        // Zero is zero whatever the sign of the other factor.
        assert_eq!(
            cmp_products(d("-3"), Decimal::ZERO, Decimal::ZERO, d("5")),
            Ordering::Equal
        );
        // Beyond u128: (2^96 − 1)² compared with one less than it.
        let m = Decimal::MAX;
        assert_eq!(cmp_products(m, m, m, m - Decimal::ONE), Ordering::Greater);
        assert_eq!(
            cmp_power_products(Decimal::ONE, m, m, Decimal::ONE, 3),
            Ordering::Greater
        );
        assert_eq!(cmp_power_products(m, m, m, m, 5), Ordering::Equal);
    }

    #[test]
    fn mul_is_exact_or_none() {
        assert_eq!(mul(d("1.5"), d("2")), Some(d("3")));
        // 56 decimal places cannot be held: not rounded, refused.
        assert_eq!(
            mul(
                d("0.1234567890123456789012345678"),
                d("0.1234567890123456789012345678")
            ),
            None
        );
        assert_eq!(mul(d("79228162514264337593543950335"), d("2")), None);
    }

    #[test]
    fn add_is_exact_or_none() {
        assert_eq!(add(d("0.1"), d("0.2")), Some(d("0.3")));
        assert_eq!(add(d("79228162514264337593543950335"), d("0.5")), None);
    }

    #[test]
    fn fractions_compare_exactly() {
        let a = Frac::new(d("18.149999999999999999999999999"), d("36.3")).unwrap();
        assert_eq!(a.order(Frac::whole(d("0.5"))), Ordering::Less);
        let b = Frac::new(d("18.15"), d("36.3")).unwrap();
        assert_eq!(b.to_decimal(), Some(d("0.5")));
        assert_eq!(a.to_decimal(), None);
        let third = Frac::new(d("1"), d("3")).unwrap();
        assert_eq!(
            third
                .checked_add(third)
                .unwrap()
                .checked_add(third)
                .unwrap()
                .to_decimal(),
            Some(d("1"))
        );
    }

    #[test]
    fn products_compare_exactly_beyond_the_decimal_range() {
        // 30.000000000000000000000000001 × 1.21 has 30 significant digits.
        let first = d("30.000000000000000000000000001");
        assert_eq!(
            cmp_products(first, d("1.21"), d("36.3"), d("1")),
            Ordering::Greater
        );
        assert_eq!(
            cmp_products(d("30"), d("1.21"), d("36.3"), d("1")),
            Ordering::Equal
        );
        assert_eq!(
            cmp_products(d("-2"), d("3"), d("-3"), d("2")),
            Ordering::Equal
        );
        assert_eq!(
            cmp_products(
                d("-2"),
                d("3.0000000000000000000000000001"),
                d("-6"),
                d("1")
            ),
            Ordering::Less
        );
        let max = d("79228162514264337593543950335");
        assert_eq!(
            cmp_power_products(max, max, max, d("79228162514264337593543950334"), 5),
            Ordering::Greater
        );
    }

    #[test]
    fn tiny_fractions_are_not_shown_as_zero() {
        let f = Frac::new(d("-0.000000000000000000000000001"), d("36.3")).unwrap();
        assert_eq!(
            show_frac(f, |x| x.to_string()),
            "≈-0.0000000000000000000000000000275"
        );
        let third = Frac::new(d("1"), d("3")).unwrap();
        assert_eq!(show_frac(third, |x| x.to_string()), "≈0.3333");
        // Three significant digits, however small, and the sign kept.
        for (n, den, shown) in [
            (
                "0.0000000000000000000000000001",
                "3",
                "≈0.0000000000000000000000000000333",
            ),
            ("0.00001", "3", "≈0.00000333"),
            ("0.000001", "7", "≈0.000000143"),
            (
                "-0.0000000000000000000000000002",
                "0.7",
                "≈-0.000000000000000000000000000286",
            ),
            (
                "1",
                "300000000000000000000000000",
                "≈0.00000000000000000000000000333",
            ),
            (
                "0.00000000000001",
                "12345678901234",
                "≈0.00000000000000000000000000081",
            ),
            (
                "0.0000000000000000000000000001",
                "0.0000000000000000000000000003",
                "≈0.3333",
            ),
            // The smallest fraction there is: the least decimal over the greatest. Its
            // digits show only after 55 steps of the loop.
            (
                "0.0000000000000000000000000001",
                "79228162514264337593543950335",
                "≈0.00000000000000000000000000000000000000000000000000000000126",
            ),
            (
                "-0.0000000000000000000000000001",
                "79228162514264337593543950335",
                "≈-0.00000000000000000000000000000000000000000000000000000000126",
            ),
        ] {
            let f = Frac::new(d(n), d(den)).unwrap();
            assert_eq!(show_frac(f, |x| x.to_string()), shown, "{n}/{den}");
        }
    }
}
