//! Makes a clean page look scanned: rotated, blurred, grey noise and specks.

use image::{GrayImage, Luma};
use imageproc::filter::gaussian_blur_f32;
use imageproc::geometric_transformations::{Interpolation, rotate_about_center};
use imageproc::noise::{gaussian_noise_mut, salt_and_pepper_noise_mut};

use crate::ScanParams;

pub(crate) fn scan(page: &GrayImage, params: &ScanParams, seed: u64) -> GrayImage {
    let mut image = rotate_about_center(
        page,
        params.rotation_deg.to_radians(),
        Interpolation::Bilinear,
        Luma([255]),
    );
    image = gaussian_blur_f32(&image, params.blur_sigma);
    // Paper is not white and toner is not black.
    for pixel in image.pixels_mut() {
        pixel.0[0] = 25 + (u16::from(pixel.0[0]) * 210 / 255) as u8;
    }
    gaussian_noise_mut(&mut image, 0.0, f64::from(params.noise_stddev), seed);
    salt_and_pepper_noise_mut(&mut image, f64::from(params.speckle_rate), seed ^ 0x5eed);
    image
}
