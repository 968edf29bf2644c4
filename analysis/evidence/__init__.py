"""Evidence layer: is the straight line right, and which claims survive a better model.

Pure compute on a customer table (CustomerValue, Recency, Frequency, MonetaryValue,
Segment) and a reference label. Results are frozen dataclasses and plain dicts of
numbers; render modules read them and never refit. Modules:

- :mod:`.specs` - the six competing models, their designs and fits;
- :mod:`.spline`, :mod:`.covariance` - R's ``ns`` basis and the sandwich covariances;
- :mod:`.specification` - RESET, interaction, F x M and spline tests, negative fits;
- :mod:`.overlap` - do the labels overlap on RFM (balanced k-NN propensity);
- :mod:`.margins` - average marginal effects in dollars and marginal means;
- :mod:`.segment_value` - segment value beyond RFM;
- :mod:`.claims` - each headline claim under each admissible model;
- :mod:`.influence` - refits without high-Cook's-D customers;
- :mod:`.notes` - rule-based wording decisions for the render layer;
- :mod:`.build` - :func:`~.build.build_evidence`, one call for all of the above;
- :mod:`.contract` - the ``specification``, ``models`` and ``claims`` JSON keys;
- :mod:`.side_by_side` - tidy frames for the models table and the claims table.

Cross-validation, gains and prediction intervals (issue 11) live beside these modules.
"""
