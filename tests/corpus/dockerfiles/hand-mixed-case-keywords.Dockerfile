fRoM a
RuN x
CoPy a b
