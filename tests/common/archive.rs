//! Archives and compressed files written at test time, as users hand them over.

use std::io::Write as _;

/// A zip holding `members` (name, bytes) in order.
pub fn zip_of<N: AsRef<str>, B: AsRef<[u8]>>(members: &[(N, B)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in members {
        z.start_file(name.as_ref(), zip::write::SimpleFileOptions::default())
            .expect("zip");
        z.write_all(bytes.as_ref()).expect("zip");
    }
    z.finish().expect("zip").into_inner()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}
