"""The learned stage of the default content-safety classifier.

* :mod:`.features`: text → chunks → sparse features (character and word n-grams);
* :mod:`.model`: :class:`LinearSafetyModel`, the shipped weights and their decision rule;
* :mod:`.corpus`: the labelled multilingual corpus (``corpus/safety``) and its fixed split;
* :mod:`.train`: ``python -m modelport.policy.safety.learned.train`` rebuilds the weights from
  the training part of the corpus only.
"""
