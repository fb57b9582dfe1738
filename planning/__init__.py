"""Supply planning (供应计划): pure rules turning a demand forecast, stock and open documents into a
projected stock per week, reorder points, safety stock, and purchase / transfer suggestions, plus
the ABC × XYZ classification. No database access here except in ``planning.warehouse`` (reading the
warehouse and writing the plan marts); documents are created by ``operational.services.replenishment``."""
