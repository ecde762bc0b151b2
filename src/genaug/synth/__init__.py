"""genaug.synth."""
