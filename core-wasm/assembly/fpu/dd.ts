// fpu/dd.ts — double-double arithmetic (about 104 significant bits) held in a v128 as the
// f64x2 lanes [hi, lo], |lo| <= ulp(hi)/2; used only by the x87 transcendentals, which are
// approximations (the hardware's own results are not correctly rounded either).
// Error-free transformations after Dekker and Knuth (TwoSum, Split/TwoProduct).
// Invariant: values stay inside the binary64 range; callers carry large exponents separately.

@inline export function dd(hi: f64, lo: f64): v128 { return f64x2.replace_lane(f64x2.splat(hi), 1, lo); }
@inline export function ddHi(x: v128): f64 { return f64x2.extract_lane(x, 0); }
@inline export function ddLo(x: v128): f64 { return f64x2.extract_lane(x, 1); }
@inline export function ddOf(x: f64): v128 { return dd(x, 0); }

@inline function quickTwoSum(a: f64, b: f64): v128 {
  const s = a + b;
  return dd(s, b - (s - a));
}

@inline function twoSum(a: f64, b: f64): v128 {
  const s = a + b;
  const bb = s - a;
  return dd(s, (a - (s - bb)) + (b - bb));
}

@inline function twoProd(a: f64, b: f64): v128 {
  const p = a * b;
  const ta = 134217729.0 * a, tb = 134217729.0 * b;
  const ah = ta - (ta - a), al = a - ah;
  const bh = tb - (tb - b), bl = b - bh;
  return dd(p, ((ah * bh - p) + ah * bl + al * bh) + al * bl);
}

@inline export function ddAdd(x: v128, y: v128): v128 {
  const s = twoSum(ddHi(x), ddHi(y));
  const t = twoSum(ddLo(x), ddLo(y));
  const u = quickTwoSum(ddHi(s), ddLo(s) + ddHi(t));
  return quickTwoSum(ddHi(u), ddLo(u) + ddLo(t));
}

@inline export function ddNeg(x: v128): v128 { return f64x2.neg(x); }
@inline export function ddSub(x: v128, y: v128): v128 { return ddAdd(x, f64x2.neg(y)); }

@inline export function ddMul(x: v128, y: v128): v128 {
  const p = twoProd(ddHi(x), ddHi(y));
  return quickTwoSum(ddHi(p), ddLo(p) + (ddHi(x) * ddLo(y) + ddLo(x) * ddHi(y)));
}

/** x * 2^k for a small exact power of two factor f. */
@inline export function ddScale(x: v128, f: f64): v128 { return f64x2.mul(x, f64x2.splat(f)); }

@inline export function ddDiv(x: v128, y: v128): v128 {
  const q1 = ddHi(x) / ddHi(y);
  let r = ddSub(x, ddMul(y, ddOf(q1)));
  const q2 = ddHi(r) / ddHi(y);
  r = ddSub(r, ddMul(y, ddOf(q2)));
  const q3 = ddHi(r) / ddHi(y);
  return ddAdd(quickTwoSum(q1, q2), ddOf(q3));
}

@inline export function ddSqrt(x: v128): v128 {
  const h = ddHi(x);
  if (h <= 0) return ddOf(0);
  const s = Math.sqrt(h);
  const r = ddSub(x, twoProd(s, s));
  return quickTwoSum(s, ddHi(r) / (2 * s));
}
