"""genaug.experiment."""
