// Placeholder so the package resolves; replaced by the real module.
