"""Evidence layer: is the straight line right, and which claims survive a better model.

Pure compute on a customer table (CustomerValue, Recency, Frequency, MonetaryValue,
Segment) and a reference label. Results are frozen dataclasses and plain dicts of
numbers; render modules read them and never refit. Modules:

- :mod:`.specs` - the six competing models, their designs and fits;
- :mod:`.spline`, :mod:`.covariance` - R's ``ns`` basis and the sandwich covariances;
- :mod:`.specification` - RESET, interaction, F x M and spline tests, negative fits, overlap;
- :mod:`.margins` - average marginal effects in dollars and marginal means;
- :mod:`.segment_value` - segment value beyond RFM;
- :mod:`.claims` - each headline claim under each admissible model;
- :mod:`.influence` - refits without high-Cook's-D customers;
- :mod:`.notes` - rule-based wording decisions for the render layer;
- :mod:`.contract` - the ``specification``, ``models`` and ``claims`` JSON keys.
"""
