"""Inquiry classification: text clean-up, models, training and prediction."""
