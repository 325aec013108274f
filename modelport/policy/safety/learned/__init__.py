"""The default content-safety classifier's learned model.

* :mod:`.features`: text → chunks → hashed character and word n-grams (vectorised with numpy);
* :mod:`.model`: :class:`~.model.LinearSafetyModel`, the shipped weights and the decision rule;
* :mod:`.corpus`: the training corpus (``corpus/safety/train``), its validation split, and the
  JSONL evaluation sets (``corpus/safety/heldout``);
* :mod:`.augment`: training-time variants of the corpus texts;
* :mod:`.thresholds`: the decision thresholds, chosen on the validation split;
* :mod:`.evaluate`: recall and false-block rates per category and language;
* :mod:`.train`: ``python -m modelport.policy.safety.learned.train`` rebuilds the weights
  (numpy only, deterministic).
"""
