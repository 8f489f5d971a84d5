//! A small safe layer over LightGBM's C API (the `lightgbm3-sys` bindings): datasets
//! from dense row-major matrices, boosting one iteration at a time (so the caller can
//! check for cancellation, report progress and stop early), the model as text and gain
//! importance. Scoring does not come here (see `forest`); LightGBM's own single-row
//! prediction is kept for the tests that check the forest against it.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::ptr;

use lightgbm3_sys as sys;

use super::MlError;

const FLOAT32: c_int = sys::C_API_DTYPE_FLOAT32 as c_int;
const FLOAT64: c_int = sys::C_API_DTYPE_FLOAT64 as c_int;
#[cfg(test)]
const PREDICT_NORMAL: c_int = sys::C_API_PREDICT_NORMAL as c_int;
const IMPORTANCE_GAIN: c_int = sys::C_API_FEATURE_IMPORTANCE_GAIN as c_int;

/// LightGBM's message for the last failed call.
fn last_error() -> String {
    // SAFETY: LGBM_GetLastError returns a NUL-terminated, thread-local buffer.
    unsafe { CStr::from_ptr(sys::LGBM_GetLastError()) }
        .to_string_lossy()
        .into_owned()
}

fn check(code: c_int) -> Result<(), MlError> {
    if code == 0 {
        Ok(())
    } else {
        Err(MlError::LightGbm(last_error()))
    }
}

fn c_string(s: &str) -> CString {
    CString::new(s).expect("LightGBM parameters contain no NUL byte")
}

/// Rows and columns as LightGBM's `int32` counts.
fn dims(values: usize, width: usize) -> Result<(i32, i32), MlError> {
    let rows = values.checked_div(width).unwrap_or(0);
    match (i32::try_from(rows), i32::try_from(width)) {
        (Ok(r), Ok(w)) => Ok((r, w)),
        _ => Err(MlError::LightGbm(format!(
            "{rows} rows of {width} columns are more than LightGBM takes"
        ))),
    }
}

/// A training or validation set.
pub struct Dataset {
    handle: sys::DatasetHandle,
    rows: usize,
}

impl Dataset {
    /// `x` holds `x.len() / width` rows of `width` values, row after row; NaN is a
    /// missing value. A validation set gives the training set as `reference`, so both
    /// are binned alike.
    pub fn new(
        x: &[f64],
        width: usize,
        params: &str,
        reference: Option<&Dataset>,
    ) -> Result<Self, MlError> {
        let (rows, cols) = dims(x.len(), width)?;
        let params = c_string(params);
        let mut handle = ptr::null_mut();
        // SAFETY: `x` holds rows * cols doubles; LightGBM copies what it needs.
        check(unsafe {
            sys::LGBM_DatasetCreateFromMat(
                x.as_ptr().cast::<c_void>(),
                FLOAT64,
                rows,
                cols,
                1,
                params.as_ptr(),
                reference.map_or(ptr::null_mut(), |r| r.handle),
                &mut handle,
            )
        })?;
        Ok(Dataset {
            handle,
            rows: rows as usize,
        })
    }

    fn set_field(&mut self, field: &str, values: &[f32]) -> Result<(), MlError> {
        assert_eq!(values.len(), self.rows, "one {field} per row");
        let name = c_string(field);
        // SAFETY: `values` holds one float32 per row; LightGBM copies them.
        check(unsafe {
            sys::LGBM_DatasetSetField(
                self.handle,
                name.as_ptr(),
                values.as_ptr().cast::<c_void>(),
                values.len() as c_int,
                FLOAT32,
            )
        })
    }

    /// The label of each row: the class index, or the value for regression.
    pub fn set_labels(&mut self, labels: &[f32]) -> Result<(), MlError> {
        self.set_field("label", labels)
    }

    pub fn set_weights(&mut self, weights: &[f32]) -> Result<(), MlError> {
        self.set_field("weight", weights)
    }

    /// Names the columns, as the model text will (no spaces or JSON punctuation, unique).
    pub fn set_feature_names(&mut self, names: &[String]) -> Result<(), MlError> {
        let names: Vec<CString> = names.iter().map(|n| c_string(n)).collect();
        let mut pointers: Vec<*const c_char> = names.iter().map(|n| n.as_ptr()).collect();
        // SAFETY: `pointers` holds one NUL-terminated string per column, alive for the
        // call; LightGBM copies them.
        check(unsafe {
            sys::LGBM_DatasetSetFeatureNames(
                self.handle,
                pointers.as_mut_ptr(),
                pointers.len() as c_int,
            )
        })
    }
}

impl Drop for Dataset {
    fn drop(&mut self) {
        // SAFETY: the handle came from LGBM_DatasetCreateFromMat and is freed once.
        unsafe { sys::LGBM_DatasetFree(self.handle) };
    }
}

/// A booster: being trained, or loaded from model text.
pub struct Booster {
    handle: sys::BoosterHandle,
}

impl Booster {
    /// A booster to train on `train` with `params` (`key=value` pairs, space-separated).
    pub fn new(train: &Dataset, params: &str) -> Result<Self, MlError> {
        let params = c_string(params);
        let mut handle = ptr::null_mut();
        // SAFETY: `train` outlives this call; the booster keeps its own reference.
        check(unsafe { sys::LGBM_BoosterCreate(train.handle, params.as_ptr(), &mut handle) })?;
        Ok(Booster { handle })
    }

    /// A booster from the text `save` wrote.
    pub fn load(text: &str) -> Result<Self, MlError> {
        let text = c_string(text);
        let mut iterations = 0;
        let mut handle = ptr::null_mut();
        // SAFETY: `text` is NUL-terminated; LightGBM parses it into a new booster.
        check(unsafe {
            sys::LGBM_BoosterLoadModelFromString(text.as_ptr(), &mut iterations, &mut handle)
        })?;
        Ok(Booster { handle })
    }

    /// Adds a validation set, evaluated after each iteration as data index 1.
    /// The dataset must outlive the booster's training.
    pub fn add_validation(&mut self, valid: &Dataset) -> Result<(), MlError> {
        // SAFETY: both handles are live.
        check(unsafe { sys::LGBM_BoosterAddValidData(self.handle, valid.handle) })
    }

    /// One boosting iteration; true when no further split can improve the model.
    pub fn boost(&mut self) -> Result<bool, MlError> {
        let mut finished = 0;
        // SAFETY: the handle is live.
        check(unsafe { sys::LGBM_BoosterUpdateOneIter(self.handle, &mut finished) })?;
        Ok(finished != 0)
    }

    /// The first metric on data set `index` (0: training, 1: the validation set).
    pub fn eval(&self, index: c_int) -> Result<f64, MlError> {
        let mut count = 0;
        // SAFETY: the handle is live.
        check(unsafe { sys::LGBM_BoosterGetEvalCounts(self.handle, &mut count) })?;
        let mut out = vec![0.0; count.max(1) as usize];
        let mut len = 0;
        // SAFETY: `out` has room for every metric LightGBM reports.
        check(unsafe { sys::LGBM_BoosterGetEval(self.handle, index, &mut len, out.as_mut_ptr()) })?;
        if len < 1 {
            return Err(MlError::LightGbm("no evaluation metric".into()));
        }
        Ok(out[0])
    }

    /// Iterations trained so far.
    pub fn iterations(&self) -> Result<i32, MlError> {
        let mut n = 0;
        // SAFETY: the handle is live.
        check(unsafe { sys::LGBM_BoosterGetCurrentIteration(self.handle, &mut n) })?;
        Ok(n)
    }

    /// The model's first `iterations` iterations as LightGBM's model text.
    pub fn save(&self, iterations: i32) -> Result<String, MlError> {
        let mut buffer: Vec<u8> = vec![0; 1 << 16];
        loop {
            let mut len: i64 = 0;
            // SAFETY: `buffer` is `buffer.len()` bytes; LightGBM writes at most that many
            // and reports the length it needs.
            check(unsafe {
                sys::LGBM_BoosterSaveModelToString(
                    self.handle,
                    0,
                    iterations,
                    IMPORTANCE_GAIN,
                    buffer.len() as i64,
                    &mut len,
                    buffer.as_mut_ptr().cast::<c_char>(),
                )
            })?;
            let len = len as usize;
            if len <= buffer.len() {
                // `len` counts the terminating NUL.
                buffer.truncate(len.saturating_sub(1));
                return String::from_utf8(buffer)
                    .map_err(|_| MlError::LightGbm("model text is not UTF-8".into()));
            }
            buffer = vec![0; len];
        }
    }

    /// Total gain of the splits on each input column, over the first `iterations`.
    pub fn gain(&self, iterations: i32, width: usize) -> Result<Vec<f64>, MlError> {
        let mut out = vec![0.0; width];
        // SAFETY: the booster has `width` features, so `out` has room for each.
        check(unsafe {
            sys::LGBM_BoosterFeatureImportance(
                self.handle,
                iterations,
                IMPORTANCE_GAIN,
                out.as_mut_ptr(),
            )
        })?;
        Ok(out)
    }
}

impl Drop for Booster {
    fn drop(&mut self) {
        // SAFETY: the handle came from LGBM_BoosterCreate or LoadModelFromString.
        unsafe { sys::LGBM_BoosterFree(self.handle) };
    }
}

/// A loaded model ready to predict one row at a time, on the calling thread.
#[cfg(test)]
pub struct Predictor {
    // Declared first so it is freed before the booster it points into.
    config: FastConfig,
    _booster: Booster,
    width: usize,
    outputs: usize,
}

#[cfg(test)]
struct FastConfig(sys::FastConfigHandle);

#[cfg(test)]
impl Drop for FastConfig {
    fn drop(&mut self) {
        // SAFETY: the handle came from LGBM_BoosterPredictForMatSingleRowFastInit.
        unsafe { sys::LGBM_FastConfigFree(self.0) };
    }
}

#[cfg(test)]
impl Predictor {
    /// Loads model text for rows of `width` inputs giving `outputs` numbers each (1 for
    /// binary and regression models, the classes for multiclass).
    pub fn load(text: &str, width: usize, outputs: usize) -> Result<Self, MlError> {
        let booster = Booster::load(text)?;
        let (_, cols) = dims(width, width)?;
        let params = c_string("num_threads=1");
        let mut handle = ptr::null_mut();
        // SAFETY: the booster is live and outlives the config (field order above).
        check(unsafe {
            sys::LGBM_BoosterPredictForMatSingleRowFastInit(
                booster.handle,
                PREDICT_NORMAL,
                0,
                -1,
                FLOAT64,
                cols,
                params.as_ptr(),
                &mut handle,
            )
        })?;
        Ok(Predictor {
            config: FastConfig(handle),
            _booster: booster,
            width,
            outputs,
        })
    }

    /// Predicts one encoded row (`width` values) into `out` (`outputs` values):
    /// probabilities (the positive class's for binary) or the predicted value.
    pub fn predict(&self, x: &[f64], out: &mut [f64]) -> Result<(), MlError> {
        assert_eq!(x.len(), self.width, "one value per input");
        assert!(out.len() >= self.outputs, "room for every output");
        let mut len: i64 = 0;
        // SAFETY: `x` holds the `width` doubles the config was set up for and `out`
        // room for the `outputs` results.
        check(unsafe {
            sys::LGBM_BoosterPredictForMatSingleRowFast(
                self.config.0,
                x.as_ptr().cast::<c_void>(),
                &mut len,
                out.as_mut_ptr(),
            )
        })
    }
}
